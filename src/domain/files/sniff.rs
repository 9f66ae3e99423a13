//! What a file is, from its bytes (never from the name or the client's content type), and
//! whether Kontor keeps that kind of file: office documents, PDF, images, plain text and CSV,
//! and zip archives.

/// A content type Kontor accepts, with the short name people see in messages.
struct Allowed {
    mime: &'static str,
    label: &'static str,
}

const ALLOWED: &[Allowed] = &[
    Allowed {
        mime: "application/pdf",
        label: "PDF",
    },
    Allowed {
        mime: "image/jpeg",
        label: "JPEG",
    },
    Allowed {
        mime: "image/png",
        label: "PNG",
    },
    Allowed {
        mime: "image/gif",
        label: "GIF",
    },
    Allowed {
        mime: "image/webp",
        label: "WebP",
    },
    Allowed {
        mime: "image/bmp",
        label: "BMP",
    },
    Allowed {
        mime: "image/tiff",
        label: "TIFF",
    },
    Allowed {
        mime: "image/heif",
        label: "HEIF",
    },
    Allowed {
        mime: "application/msword",
        label: "Word (DOC)",
    },
    Allowed {
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        label: "Word (DOCX)",
    },
    Allowed {
        mime: "application/vnd.ms-excel",
        label: "Excel (XLS)",
    },
    Allowed {
        mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        label: "Excel (XLSX)",
    },
    Allowed {
        mime: "application/vnd.ms-powerpoint",
        label: "PowerPoint (PPT)",
    },
    Allowed {
        mime: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        label: "PowerPoint (PPTX)",
    },
    Allowed {
        mime: "application/vnd.oasis.opendocument.text",
        label: "ODT",
    },
    Allowed {
        mime: "application/vnd.oasis.opendocument.spreadsheet",
        label: "ODS",
    },
    Allowed {
        mime: "application/vnd.oasis.opendocument.presentation",
        label: "ODP",
    },
    Allowed {
        mime: "application/rtf",
        label: "RTF",
    },
    Allowed {
        mime: "application/zip",
        label: "ZIP",
    },
    Allowed {
        mime: "text/plain",
        label: "TXT",
    },
    Allowed {
        mime: "text/csv",
        label: "CSV",
    },
];

/// The allowed kinds, for messages: "PDF, JPEG, PNG, …".
pub fn allowed_labels() -> String {
    let mut labels: Vec<&str> = ALLOWED.iter().map(|a| a.label).collect();
    labels.dedup();
    labels.join(", ")
}

/// What the bytes are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// An accepted type (its content type as served).
    Allowed(String),
    /// Recognised but not accepted: what it is, for the message.
    Refused(String),
}

/// Sniffs `bytes` (the whole file); `name` only tells CSV from plain text.
pub fn sniff(bytes: &[u8], name: &str) -> Sniffed {
    if let Some(kind) = infer::get(bytes) {
        let mime = kind.mime_type();
        return if ALLOWED.iter().any(|a| a.mime == mime) {
            Sniffed::Allowed(mime.to_string())
        } else {
            Sniffed::Refused(format!("{mime} (.{})", kind.extension()))
        };
    }
    if looks_like_text(bytes) {
        let csv = name.rsplit_once('.').is_some_and(|(_, ext)| {
            ext.eq_ignore_ascii_case("csv") || ext.eq_ignore_ascii_case("tsv")
        });
        let base = if csv { "text/csv" } else { "text/plain" };
        return Sniffed::Allowed(if std::str::from_utf8(bytes).is_ok() {
            format!("{base}; charset=utf-8")
        } else {
            base.to_string()
        });
    }
    Sniffed::Refused("application/octet-stream".into())
}

/// Text: no NUL and no control characters but tab, line breaks, form feed and escape. Text in
/// any ASCII-compatible encoding (UTF-8, GB18030, Latin-1) passes.
fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
}

/// Whether Kontor makes a thumbnail of this type.
pub fn has_thumbnail(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/jpeg" | "image/png" | "image/gif" | "image/webp"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(
            sniff(b"%PDF-1.7\n...", "x.exe"),
            Sniffed::Allowed("application/pdf".into())
        );
        assert_eq!(
            sniff("名称,国家\n华信,CN\n".as_bytes(), "客户.csv"),
            Sniffed::Allowed("text/csv; charset=utf-8".into())
        );
        assert_eq!(
            sniff(b"hello", "a.txt"),
            Sniffed::Allowed("text/plain; charset=utf-8".into())
        );
        // An executable named like a PDF is refused, and the message says what it is.
        let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
        elf.resize(64, 0);
        assert!(matches!(sniff(&elf, "offer.pdf"), Sniffed::Refused(t) if t.contains("elf")));
        assert!(matches!(sniff(&[0, 1, 2, 3], "a.txt"), Sniffed::Refused(_)));
        assert!(allowed_labels().contains("PDF") && allowed_labels().contains("CSV"));
    }
}
