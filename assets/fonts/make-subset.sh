#!/usr/bin/env bash
# Regenerates the fonts that the PDF renderer (src/domain/sales/pi) embeds with include_bytes!.
#
#   KontorCJK-Regular.otf   Noto Sans CJK SC Regular (CFF), subset to:
#       every CJK Unified Ideograph U+4E00–U+9FFF (20,992: all of GB2312, GBK's hanzi, Big5, and
#       the 通用规范汉字表 characters in that block), the rest of GB2312 and Big5 level 1 (symbols),
#       Latin (Basic, Latin-1, Extended-A/B, Extended Additional for Vietnamese), Greek, Cyrillic,
#       general punctuation, super/subscripts, currency symbols, letterlike symbols, number forms,
#       arrows, math operators, enclosed alphanumerics (①), box drawing, geometric shapes (□),
#       misc symbols (★), CJK symbols and punctuation, kana, enclosed CJK, CJK compatibility
#       (㎡ ㎏), CJK compatibility forms, half- and full-width forms.
#       No hinting and no OpenType layout tables (the renderer places glyphs itself).
#   KontorLatin-Regular.ttf Noto Sans Regular, subset to the same non-Han ranges: the second font
#       for letters Noto Sans CJK lacks (Ł, İ, ₹ …).
#
# HAN=common keeps only the hanzi of GB2312 and Big5 level 1 (8,836; a 2.3 MB font instead of
# 5.2 MB): rarer characters in names (喆, 堃 …) then fall back to the replacement glyph.
#
# Both are under the SIL Open Font License 1.1 (OFL.txt beside this script).
# Needs: Debian's fonts-noto-cjk and fonts-noto-core, python3 and fonttools (pip install fonttools).
set -euo pipefail
cd "$(dirname "$0")"

CJK=${CJK:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}   # face 2 is "Noto Sans CJK SC"
LATIN=${LATIN:-/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "${HAN:-all}" <<'PY'
import sys
work, han_set = sys.argv[1], sys.argv[2]

def decode_all(codec, leads, trails):
    out = set()
    for a in leads:
        for b in trails:
            try:
                out.add(bytes([a, b]).decode(codec))
            except UnicodeDecodeError:
                pass
    return out

gb2312 = decode_all('gb2312', range(0xA1, 0xF8), range(0xA1, 0xFF))
big5_1 = decode_all('big5', range(0xA1, 0xC7), list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)))

other = [(0x20, 0x7E), (0xA0, 0x24F), (0x2B0, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF),
         (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x2070, 0x209F), (0x20A0, 0x20CF),
         (0x2100, 0x214F), (0x2150, 0x218F), (0x2190, 0x21FF), (0x2200, 0x22FF),
         (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF),
         (0x3000, 0x303F), (0x3040, 0x30FF), (0x3200, 0x32FF), (0x3300, 0x33FF),
         (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0xFFFD, 0xFFFD)]
latin = set()
for lo, hi in other:
    latin |= {chr(c) for c in range(lo, hi + 1)}
han = {chr(c) for c in range(0x4E00, 0x9FFF + 1)} if han_set == 'all' else set()
cjk = gb2312 | big5_1 | latin | han
for name, chars in (('cjk', cjk), ('latin', latin)):
    with open(f'{work}/{name}.txt', 'w', encoding='utf-8') as f:
        f.write(''.join(sorted(c for c in chars if c.isprintable() or c == '\u3000')))
PY

common=(--layout-features='' --no-hinting --notdef-outline --name-IDs='0,1,2,3,4,5,6,13,14'
        --name-languages='*' --drop-tables+=BASE,VORG,vhea,vmtx,GDEF,GSUB,GPOS)
pyftsubset "$CJK" --font-number=2 --text-file="$work/cjk.txt" "${common[@]}" \
    --output-file=KontorCJK-Regular.otf
pyftsubset "$LATIN" --text-file="$work/latin.txt" "${common[@]}" \
    --output-file=KontorLatin-Regular.ttf
ls -l KontorCJK-Regular.otf KontorLatin-Regular.ttf
