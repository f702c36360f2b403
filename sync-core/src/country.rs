//! ISO 3166-1 countries: Mirakl sends alpha-3 codes (`country_iso_code`, sometimes null) and a
//! free-text `country`; BigCommerce wants the alpha-2 code (`country_iso2`) and the country name.

/// A resolved country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, e.g. `AU`.
    pub alpha2: &'static str,
    /// ISO 3166-1 alpha-3 code, e.g. `AUS`.
    pub alpha3: &'static str,
    /// English short name, e.g. `Australia`.
    pub name: &'static str,
}

/// (alpha-3, alpha-2, name), sorted by alpha-3: all 249 ISO 3166-1 entries (a superset of the
/// alpha-3 enum of `country_iso_code` in the Mirakl seller OpenAPI).
const COUNTRIES: &[(&str, &str, &str)] = &[
    ("ABW", "AW", "Aruba"),
    ("AFG", "AF", "Afghanistan"),
    ("AGO", "AO", "Angola"),
    ("AIA", "AI", "Anguilla"),
    ("ALA", "AX", "Åland Islands"),
    ("ALB", "AL", "Albania"),
    ("AND", "AD", "Andorra"),
    ("ARE", "AE", "United Arab Emirates"),
    ("ARG", "AR", "Argentina"),
    ("ARM", "AM", "Armenia"),
    ("ASM", "AS", "American Samoa"),
    ("ATA", "AQ", "Antarctica"),
    ("ATF", "TF", "French Southern Territories"),
    ("ATG", "AG", "Antigua and Barbuda"),
    ("AUS", "AU", "Australia"),
    ("AUT", "AT", "Austria"),
    ("AZE", "AZ", "Azerbaijan"),
    ("BDI", "BI", "Burundi"),
    ("BEL", "BE", "Belgium"),
    ("BEN", "BJ", "Benin"),
    ("BES", "BQ", "Bonaire, Sint Eustatius and Saba"),
    ("BFA", "BF", "Burkina Faso"),
    ("BGD", "BD", "Bangladesh"),
    ("BGR", "BG", "Bulgaria"),
    ("BHR", "BH", "Bahrain"),
    ("BHS", "BS", "Bahamas"),
    ("BIH", "BA", "Bosnia and Herzegovina"),
    ("BLM", "BL", "Saint Barthélemy"),
    ("BLR", "BY", "Belarus"),
    ("BLZ", "BZ", "Belize"),
    ("BMU", "BM", "Bermuda"),
    ("BOL", "BO", "Bolivia"),
    ("BRA", "BR", "Brazil"),
    ("BRB", "BB", "Barbados"),
    ("BRN", "BN", "Brunei Darussalam"),
    ("BTN", "BT", "Bhutan"),
    ("BVT", "BV", "Bouvet Island"),
    ("BWA", "BW", "Botswana"),
    ("CAF", "CF", "Central African Republic"),
    ("CAN", "CA", "Canada"),
    ("CCK", "CC", "Cocos (Keeling) Islands"),
    ("CHE", "CH", "Switzerland"),
    ("CHL", "CL", "Chile"),
    ("CHN", "CN", "China"),
    ("CIV", "CI", "Côte d'Ivoire"),
    ("CMR", "CM", "Cameroon"),
    ("COD", "CD", "Congo, Democratic Republic of the"),
    ("COG", "CG", "Congo"),
    ("COK", "CK", "Cook Islands"),
    ("COL", "CO", "Colombia"),
    ("COM", "KM", "Comoros"),
    ("CPV", "CV", "Cabo Verde"),
    ("CRI", "CR", "Costa Rica"),
    ("CUB", "CU", "Cuba"),
    ("CUW", "CW", "Curaçao"),
    ("CXR", "CX", "Christmas Island"),
    ("CYM", "KY", "Cayman Islands"),
    ("CYP", "CY", "Cyprus"),
    ("CZE", "CZ", "Czechia"),
    ("DEU", "DE", "Germany"),
    ("DJI", "DJ", "Djibouti"),
    ("DMA", "DM", "Dominica"),
    ("DNK", "DK", "Denmark"),
    ("DOM", "DO", "Dominican Republic"),
    ("DZA", "DZ", "Algeria"),
    ("ECU", "EC", "Ecuador"),
    ("EGY", "EG", "Egypt"),
    ("ERI", "ER", "Eritrea"),
    ("ESH", "EH", "Western Sahara"),
    ("ESP", "ES", "Spain"),
    ("EST", "EE", "Estonia"),
    ("ETH", "ET", "Ethiopia"),
    ("FIN", "FI", "Finland"),
    ("FJI", "FJ", "Fiji"),
    ("FLK", "FK", "Falkland Islands (Malvinas)"),
    ("FRA", "FR", "France"),
    ("FRO", "FO", "Faroe Islands"),
    ("FSM", "FM", "Micronesia"),
    ("GAB", "GA", "Gabon"),
    ("GBR", "GB", "United Kingdom"),
    ("GEO", "GE", "Georgia"),
    ("GGY", "GG", "Guernsey"),
    ("GHA", "GH", "Ghana"),
    ("GIB", "GI", "Gibraltar"),
    ("GIN", "GN", "Guinea"),
    ("GLP", "GP", "Guadeloupe"),
    ("GMB", "GM", "Gambia"),
    ("GNB", "GW", "Guinea-Bissau"),
    ("GNQ", "GQ", "Equatorial Guinea"),
    ("GRC", "GR", "Greece"),
    ("GRD", "GD", "Grenada"),
    ("GRL", "GL", "Greenland"),
    ("GTM", "GT", "Guatemala"),
    ("GUF", "GF", "French Guiana"),
    ("GUM", "GU", "Guam"),
    ("GUY", "GY", "Guyana"),
    ("HKG", "HK", "Hong Kong"),
    ("HMD", "HM", "Heard Island and McDonald Islands"),
    ("HND", "HN", "Honduras"),
    ("HRV", "HR", "Croatia"),
    ("HTI", "HT", "Haiti"),
    ("HUN", "HU", "Hungary"),
    ("IDN", "ID", "Indonesia"),
    ("IMN", "IM", "Isle of Man"),
    ("IND", "IN", "India"),
    ("IOT", "IO", "British Indian Ocean Territory"),
    ("IRL", "IE", "Ireland"),
    ("IRN", "IR", "Iran"),
    ("IRQ", "IQ", "Iraq"),
    ("ISL", "IS", "Iceland"),
    ("ISR", "IL", "Israel"),
    ("ITA", "IT", "Italy"),
    ("JAM", "JM", "Jamaica"),
    ("JEY", "JE", "Jersey"),
    ("JOR", "JO", "Jordan"),
    ("JPN", "JP", "Japan"),
    ("KAZ", "KZ", "Kazakhstan"),
    ("KEN", "KE", "Kenya"),
    ("KGZ", "KG", "Kyrgyzstan"),
    ("KHM", "KH", "Cambodia"),
    ("KIR", "KI", "Kiribati"),
    ("KNA", "KN", "Saint Kitts and Nevis"),
    ("KOR", "KR", "South Korea"),
    ("KWT", "KW", "Kuwait"),
    ("LAO", "LA", "Lao People's Democratic Republic"),
    ("LBN", "LB", "Lebanon"),
    ("LBR", "LR", "Liberia"),
    ("LBY", "LY", "Libya"),
    ("LCA", "LC", "Saint Lucia"),
    ("LIE", "LI", "Liechtenstein"),
    ("LKA", "LK", "Sri Lanka"),
    ("LSO", "LS", "Lesotho"),
    ("LTU", "LT", "Lithuania"),
    ("LUX", "LU", "Luxembourg"),
    ("LVA", "LV", "Latvia"),
    ("MAC", "MO", "Macao"),
    ("MAF", "MF", "Saint Martin (French part)"),
    ("MAR", "MA", "Morocco"),
    ("MCO", "MC", "Monaco"),
    ("MDA", "MD", "Moldova"),
    ("MDG", "MG", "Madagascar"),
    ("MDV", "MV", "Maldives"),
    ("MEX", "MX", "Mexico"),
    ("MHL", "MH", "Marshall Islands"),
    ("MKD", "MK", "North Macedonia"),
    ("MLI", "ML", "Mali"),
    ("MLT", "MT", "Malta"),
    ("MMR", "MM", "Myanmar"),
    ("MNE", "ME", "Montenegro"),
    ("MNG", "MN", "Mongolia"),
    ("MNP", "MP", "Northern Mariana Islands"),
    ("MOZ", "MZ", "Mozambique"),
    ("MRT", "MR", "Mauritania"),
    ("MSR", "MS", "Montserrat"),
    ("MTQ", "MQ", "Martinique"),
    ("MUS", "MU", "Mauritius"),
    ("MWI", "MW", "Malawi"),
    ("MYS", "MY", "Malaysia"),
    ("MYT", "YT", "Mayotte"),
    ("NAM", "NA", "Namibia"),
    ("NCL", "NC", "New Caledonia"),
    ("NER", "NE", "Niger"),
    ("NFK", "NF", "Norfolk Island"),
    ("NGA", "NG", "Nigeria"),
    ("NIC", "NI", "Nicaragua"),
    ("NIU", "NU", "Niue"),
    ("NLD", "NL", "Netherlands"),
    ("NOR", "NO", "Norway"),
    ("NPL", "NP", "Nepal"),
    ("NRU", "NR", "Nauru"),
    ("NZL", "NZ", "New Zealand"),
    ("OMN", "OM", "Oman"),
    ("PAK", "PK", "Pakistan"),
    ("PAN", "PA", "Panama"),
    ("PCN", "PN", "Pitcairn"),
    ("PER", "PE", "Peru"),
    ("PHL", "PH", "Philippines"),
    ("PLW", "PW", "Palau"),
    ("PNG", "PG", "Papua New Guinea"),
    ("POL", "PL", "Poland"),
    ("PRI", "PR", "Puerto Rico"),
    ("PRK", "KP", "North Korea"),
    ("PRT", "PT", "Portugal"),
    ("PRY", "PY", "Paraguay"),
    ("PSE", "PS", "Palestine, State of"),
    ("PYF", "PF", "French Polynesia"),
    ("QAT", "QA", "Qatar"),
    ("REU", "RE", "Réunion"),
    ("ROU", "RO", "Romania"),
    ("RUS", "RU", "Russian Federation"),
    ("RWA", "RW", "Rwanda"),
    ("SAU", "SA", "Saudi Arabia"),
    ("SDN", "SD", "Sudan"),
    ("SEN", "SN", "Senegal"),
    ("SGP", "SG", "Singapore"),
    ("SGS", "GS", "South Georgia and the South Sandwich Islands"),
    ("SHN", "SH", "Saint Helena, Ascension and Tristan da Cunha"),
    ("SJM", "SJ", "Svalbard and Jan Mayen"),
    ("SLB", "SB", "Solomon Islands"),
    ("SLE", "SL", "Sierra Leone"),
    ("SLV", "SV", "El Salvador"),
    ("SMR", "SM", "San Marino"),
    ("SOM", "SO", "Somalia"),
    ("SPM", "PM", "Saint Pierre and Miquelon"),
    ("SRB", "RS", "Serbia"),
    ("SSD", "SS", "South Sudan"),
    ("STP", "ST", "Sao Tome and Principe"),
    ("SUR", "SR", "Suriname"),
    ("SVK", "SK", "Slovakia"),
    ("SVN", "SI", "Slovenia"),
    ("SWE", "SE", "Sweden"),
    ("SWZ", "SZ", "Eswatini"),
    ("SXM", "SX", "Sint Maarten (Dutch part)"),
    ("SYC", "SC", "Seychelles"),
    ("SYR", "SY", "Syrian Arab Republic"),
    ("TCA", "TC", "Turks and Caicos Islands"),
    ("TCD", "TD", "Chad"),
    ("TGO", "TG", "Togo"),
    ("THA", "TH", "Thailand"),
    ("TJK", "TJ", "Tajikistan"),
    ("TKL", "TK", "Tokelau"),
    ("TKM", "TM", "Turkmenistan"),
    ("TLS", "TL", "Timor-Leste"),
    ("TON", "TO", "Tonga"),
    ("TTO", "TT", "Trinidad and Tobago"),
    ("TUN", "TN", "Tunisia"),
    ("TUR", "TR", "Türkiye"),
    ("TUV", "TV", "Tuvalu"),
    ("TWN", "TW", "Taiwan"),
    ("TZA", "TZ", "Tanzania"),
    ("UGA", "UG", "Uganda"),
    ("UKR", "UA", "Ukraine"),
    ("UMI", "UM", "United States Minor Outlying Islands"),
    ("URY", "UY", "Uruguay"),
    ("USA", "US", "United States"),
    ("UZB", "UZ", "Uzbekistan"),
    ("VAT", "VA", "Holy See"),
    ("VCT", "VC", "Saint Vincent and the Grenadines"),
    ("VEN", "VE", "Venezuela"),
    ("VGB", "VG", "Virgin Islands (British)"),
    ("VIR", "VI", "Virgin Islands (U.S.)"),
    ("VNM", "VN", "Viet Nam"),
    ("VUT", "VU", "Vanuatu"),
    ("WLF", "WF", "Wallis and Futuna"),
    ("WSM", "WS", "Samoa"),
    ("YEM", "YE", "Yemen"),
    ("ZAF", "ZA", "South Africa"),
    ("ZMB", "ZM", "Zambia"),
    ("ZWE", "ZW", "Zimbabwe"),
];

/// Common free-text names that differ from the ISO short name (lower-case) → alpha-2.
const ALIASES: &[(&str, &str)] = &[
    ("america", "US"),
    ("bolivia (plurinational state of)", "BO"),
    ("britain", "GB"),
    ("brunei", "BN"),
    ("burma", "MM"),
    ("cape verde", "CV"),
    ("czech republic", "CZ"),
    ("democratic republic of the congo", "CD"),
    ("england", "GB"),
    ("great britain", "GB"),
    ("holland", "NL"),
    ("iran, islamic republic of", "IR"),
    ("ivory coast", "CI"),
    ("korea", "KR"),
    ("korea, republic of", "KR"),
    ("laos", "LA"),
    ("macau", "MO"),
    ("macedonia", "MK"),
    ("moldova, republic of", "MD"),
    ("northern ireland", "GB"),
    ("republic of korea", "KR"),
    ("russia", "RU"),
    ("scotland", "GB"),
    ("swaziland", "SZ"),
    ("syria", "SY"),
    ("tanzania, united republic of", "TZ"),
    ("the netherlands", "NL"),
    ("turkey", "TR"),
    ("u.k.", "GB"),
    ("u.s.", "US"),
    ("u.s.a.", "US"),
    ("uk", "GB"),
    ("united kingdom of great britain and northern ireland", "GB"),
    ("united states of america", "US"),
    ("vietnam", "VN"),
    ("wales", "GB"),
];

fn row(r: &(&'static str, &'static str, &'static str)) -> Country {
    Country {
        alpha3: r.0,
        alpha2: r.1,
        name: r.2,
    }
}

/// The country with this alpha-3 code (case-insensitive).
pub fn from_alpha3(code: &str) -> Option<Country> {
    let code = code.trim().to_ascii_uppercase();
    COUNTRIES
        .binary_search_by(|r| r.0.cmp(code.as_str()))
        .ok()
        .map(|i| row(&COUNTRIES[i]))
}

/// The country with this alpha-2 code (case-insensitive).
pub fn from_alpha2(code: &str) -> Option<Country> {
    let code = code.trim().to_ascii_uppercase();
    COUNTRIES.iter().find(|r| r.1 == code).map(row)
}

/// The alpha-2 code of an alpha-3 code (`AUS` → `AU`).
pub fn alpha3_to_alpha2(code: &str) -> Option<&'static str> {
    from_alpha3(code).map(|c| c.alpha2)
}

/// A country from free text: an alpha-3 or alpha-2 code, the ISO short name or a common
/// alias, compared case-insensitively.
pub fn from_text(text: &str) -> Option<Country> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let by_code = match t.len() {
        3 => from_alpha3(t),
        2 => from_alpha2(t),
        _ => None,
    };
    by_code.or_else(|| {
        let lower = t.to_lowercase();
        COUNTRIES
            .iter()
            .find(|r| r.2.to_lowercase() == lower)
            .map(row)
            .or_else(|| {
                ALIASES
                    .iter()
                    .find(|(a, _)| *a == lower)
                    .and_then(|(_, a2)| from_alpha2(a2))
            })
    })
}

/// Resolves a Mirakl address country: `country_iso_code` first (it may be null or, at some
/// operators, alpha-2), then the free-text `country`.
pub fn resolve(iso_code: Option<&str>, free_text: Option<&str>) -> Option<Country> {
    iso_code
        .and_then(from_text)
        .or_else(|| free_text.and_then(from_text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_complete() {
        assert_eq!(COUNTRIES.len(), 249);
        assert!(COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
        let mut a2: Vec<_> = COUNTRIES.iter().map(|r| r.1).collect();
        a2.sort_unstable();
        a2.dedup();
        assert_eq!(a2.len(), 249);
        // every alias points to a real entry
        assert!(ALIASES.iter().all(|(_, c)| from_alpha2(c).is_some()));
    }

    #[test]
    fn alpha3_to_alpha2_examples() {
        // Codes from the `country_iso_code` enum of shared/specs/mirakl/mirakl-mmp-seller-openapi.json
        assert_eq!(alpha3_to_alpha2("AUS"), Some("AU"));
        assert_eq!(alpha3_to_alpha2("usa"), Some("US"));
        assert_eq!(alpha3_to_alpha2("GBR"), Some("GB"));
        assert_eq!(alpha3_to_alpha2("NZL"), Some("NZ"));
        assert_eq!(alpha3_to_alpha2("FRA"), Some("FR"));
        assert_eq!(alpha3_to_alpha2("ALA"), Some("AX"));
        assert_eq!(alpha3_to_alpha2("XKX"), None);
        assert_eq!(from_alpha3("AUS").unwrap().name, "Australia");
    }

    #[test]
    fn free_text_and_null_codes() {
        assert_eq!(resolve(None, Some("Australia")).unwrap().alpha2, "AU");
        assert_eq!(resolve(None, Some(" new zealand ")).unwrap().alpha2, "NZ");
        assert_eq!(resolve(None, Some("UK")).unwrap().alpha2, "GB");
        assert_eq!(resolve(None, Some("USA")).unwrap().alpha2, "US");
        assert_eq!(resolve(Some("AU"), None).unwrap().alpha3, "AUS");
        assert_eq!(resolve(Some(""), Some("France")).unwrap().alpha2, "FR");
        assert_eq!(resolve(Some("ZZZ"), Some("Germany")).unwrap().alpha2, "DE");
        assert_eq!(resolve(None, Some("Atlantis")), None);
        assert_eq!(resolve(None, None), None);
    }
}
