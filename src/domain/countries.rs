//! Countries a foreign-trade firm sells to: ISO 3166-1 alpha-2 code, names, and the time zone of
//! the main business city (used for "the buyer's local time now" when no zone is set).

/// (code, Chinese name, English name, IANA time zone)
pub const COUNTRIES: &[(&str, &str, &str, &str)] = &[
    ("CN", "中国", "China", "Asia/Shanghai"),
    ("HK", "中国香港", "Hong Kong", "Asia/Hong_Kong"),
    ("TW", "中国台湾", "Taiwan", "Asia/Taipei"),
    ("US", "美国", "United States", "America/New_York"),
    ("CA", "加拿大", "Canada", "America/Toronto"),
    ("MX", "墨西哥", "Mexico", "America/Mexico_City"),
    ("BR", "巴西", "Brazil", "America/Sao_Paulo"),
    (
        "AR",
        "阿根廷",
        "Argentina",
        "America/Argentina/Buenos_Aires",
    ),
    ("CL", "智利", "Chile", "America/Santiago"),
    ("CO", "哥伦比亚", "Colombia", "America/Bogota"),
    ("PE", "秘鲁", "Peru", "America/Lima"),
    ("GB", "英国", "United Kingdom", "Europe/London"),
    ("IE", "爱尔兰", "Ireland", "Europe/Dublin"),
    ("DE", "德国", "Germany", "Europe/Berlin"),
    ("FR", "法国", "France", "Europe/Paris"),
    ("IT", "意大利", "Italy", "Europe/Rome"),
    ("ES", "西班牙", "Spain", "Europe/Madrid"),
    ("PT", "葡萄牙", "Portugal", "Europe/Lisbon"),
    ("NL", "荷兰", "Netherlands", "Europe/Amsterdam"),
    ("BE", "比利时", "Belgium", "Europe/Brussels"),
    ("CH", "瑞士", "Switzerland", "Europe/Zurich"),
    ("AT", "奥地利", "Austria", "Europe/Vienna"),
    ("SE", "瑞典", "Sweden", "Europe/Stockholm"),
    ("NO", "挪威", "Norway", "Europe/Oslo"),
    ("DK", "丹麦", "Denmark", "Europe/Copenhagen"),
    ("FI", "芬兰", "Finland", "Europe/Helsinki"),
    ("PL", "波兰", "Poland", "Europe/Warsaw"),
    ("CZ", "捷克", "Czechia", "Europe/Prague"),
    ("HU", "匈牙利", "Hungary", "Europe/Budapest"),
    ("RO", "罗马尼亚", "Romania", "Europe/Bucharest"),
    ("GR", "希腊", "Greece", "Europe/Athens"),
    ("TR", "土耳其", "Türkiye", "Europe/Istanbul"),
    ("RU", "俄罗斯", "Russia", "Europe/Moscow"),
    ("UA", "乌克兰", "Ukraine", "Europe/Kyiv"),
    ("AE", "阿联酋", "United Arab Emirates", "Asia/Dubai"),
    ("SA", "沙特阿拉伯", "Saudi Arabia", "Asia/Riyadh"),
    ("IL", "以色列", "Israel", "Asia/Jerusalem"),
    ("EG", "埃及", "Egypt", "Africa/Cairo"),
    ("NG", "尼日利亚", "Nigeria", "Africa/Lagos"),
    ("KE", "肯尼亚", "Kenya", "Africa/Nairobi"),
    ("ZA", "南非", "South Africa", "Africa/Johannesburg"),
    ("IN", "印度", "India", "Asia/Kolkata"),
    ("PK", "巴基斯坦", "Pakistan", "Asia/Karachi"),
    ("BD", "孟加拉国", "Bangladesh", "Asia/Dhaka"),
    ("TH", "泰国", "Thailand", "Asia/Bangkok"),
    ("VN", "越南", "Vietnam", "Asia/Ho_Chi_Minh"),
    ("MY", "马来西亚", "Malaysia", "Asia/Kuala_Lumpur"),
    ("SG", "新加坡", "Singapore", "Asia/Singapore"),
    ("ID", "印度尼西亚", "Indonesia", "Asia/Jakarta"),
    ("PH", "菲律宾", "Philippines", "Asia/Manila"),
    ("JP", "日本", "Japan", "Asia/Tokyo"),
    ("KR", "韩国", "South Korea", "Asia/Seoul"),
    ("AU", "澳大利亚", "Australia", "Australia/Sydney"),
    ("NZ", "新西兰", "New Zealand", "Pacific/Auckland"),
];

pub fn find(
    code: &str,
) -> Option<&'static (&'static str, &'static str, &'static str, &'static str)> {
    COUNTRIES.iter().find(|c| c.0.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_zone_is_known() {
        for (code, _, _, tz) in super::COUNTRIES {
            assert!(tz.parse::<chrono_tz::Tz>().is_ok(), "{code}: {tz}");
        }
    }
}
