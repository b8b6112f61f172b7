//! Time zones as healthchecks accepts them: IANA names, with the legacy aliases that
//! its API rewrites to their canonical zone (`Europe/Kiev` → `Europe/Kyiv`), and
//! `Factory` refused. Zones newer than healthchecks' tzdata snapshot are accepted:
//! refusing a real zone would help nobody.

use chrono_tz::Tz;

/// Legacy names and the zone healthchecks' API stores instead (sorted for binary search).
const LEGACY: &[(&str, &str)] = &[
    ("Africa/Asmera", "Africa/Nairobi"),
    (
        "America/Argentina/ComodRivadavia",
        "America/Argentina/Catamarca",
    ),
    ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("America/Catamarca", "America/Argentina/Catamarca"),
    ("America/Cordoba", "America/Argentina/Cordoba"),
    ("America/Fort_Wayne", "America/Indiana/Indianapolis"),
    ("America/Godthab", "America/Nuuk"),
    ("America/Indianapolis", "America/Indiana/Indianapolis"),
    ("America/Jujuy", "America/Argentina/Jujuy"),
    ("America/Knox_IN", "America/Indiana/Knox"),
    ("America/Louisville", "America/Kentucky/Louisville"),
    ("America/Mendoza", "America/Argentina/Mendoza"),
    ("America/Rosario", "America/Argentina/Cordoba"),
    ("Antarctica/South_Pole", "Pacific/Auckland"),
    ("Asia/Ashkhabad", "Asia/Ashgabat"),
    ("Asia/Calcutta", "Asia/Kolkata"),
    ("Asia/Choibalsan", "Asia/Ulaanbaatar"),
    ("Asia/Chungking", "Asia/Shanghai"),
    ("Asia/Dacca", "Asia/Dhaka"),
    ("Asia/Katmandu", "Asia/Kathmandu"),
    ("Asia/Macao", "Asia/Macau"),
    ("Asia/Rangoon", "Asia/Yangon"),
    ("Asia/Saigon", "Asia/Ho_Chi_Minh"),
    ("Asia/Thimbu", "Asia/Thimphu"),
    ("Asia/Ujung_Pandang", "Asia/Makassar"),
    ("Asia/Ulan_Bator", "Asia/Ulaanbaatar"),
    ("Atlantic/Faeroe", "Atlantic/Faroe"),
    ("Australia/ACT", "Australia/Sydney"),
    ("Australia/LHI", "Australia/Lord_Howe"),
    ("Australia/NSW", "Australia/Sydney"),
    ("Australia/North", "Australia/Darwin"),
    ("Australia/Queensland", "Australia/Brisbane"),
    ("Australia/South", "Australia/Adelaide"),
    ("Australia/Tasmania", "Australia/Hobart"),
    ("Australia/Victoria", "Australia/Melbourne"),
    ("Australia/West", "Australia/Perth"),
    ("Brazil/Acre", "America/Rio_Branco"),
    ("Brazil/DeNoronha", "America/Noronha"),
    ("Brazil/East", "America/Sao_Paulo"),
    ("Brazil/West", "America/Manaus"),
    ("CET", "Europe/Brussels"),
    ("CST6CDT", "America/Chicago"),
    ("Canada/Atlantic", "America/Halifax"),
    ("Canada/Central", "America/Winnipeg"),
    ("Canada/Eastern", "America/Toronto"),
    ("Canada/Mountain", "America/Edmonton"),
    ("Canada/Newfoundland", "America/St_Johns"),
    ("Canada/Pacific", "America/Vancouver"),
    ("Canada/Saskatchewan", "America/Regina"),
    ("Canada/Yukon", "America/Whitehorse"),
    ("Chile/Continental", "America/Santiago"),
    ("Chile/EasterIsland", "Pacific/Easter"),
    ("Cuba", "America/Havana"),
    ("EET", "Europe/Athens"),
    ("EST", "America/Panama"),
    ("EST5EDT", "America/New_York"),
    ("Egypt", "Africa/Cairo"),
    ("Eire", "Europe/Dublin"),
    ("Europe/Kiev", "Europe/Kyiv"),
    ("Europe/Uzhgorod", "Europe/Kyiv"),
    ("Europe/Zaporozhye", "Europe/Kyiv"),
    ("GB", "Europe/London"),
    ("GB-Eire", "Europe/London"),
    ("GMT+0", "Etc/GMT"),
    ("GMT-0", "Etc/GMT"),
    ("GMT0", "Etc/GMT"),
    ("Greenwich", "Etc/GMT"),
    ("HST", "Pacific/Honolulu"),
    ("Hongkong", "Asia/Hong_Kong"),
    ("Iceland", "Africa/Abidjan"),
    ("Iran", "Asia/Tehran"),
    ("Israel", "Asia/Jerusalem"),
    ("Jamaica", "America/Jamaica"),
    ("Japan", "Asia/Tokyo"),
    ("Kwajalein", "Pacific/Kwajalein"),
    ("Libya", "Africa/Tripoli"),
    ("MET", "Europe/Brussels"),
    ("MST", "America/Phoenix"),
    ("MST7MDT", "America/Denver"),
    ("Mexico/BajaNorte", "America/Tijuana"),
    ("Mexico/BajaSur", "America/Mazatlan"),
    ("Mexico/General", "America/Mexico_City"),
    ("NZ", "Pacific/Auckland"),
    ("NZ-CHAT", "Pacific/Chatham"),
    ("Navajo", "America/Denver"),
    ("PRC", "Asia/Shanghai"),
    ("PST8PDT", "America/Los_Angeles"),
    ("Pacific/Enderbury", "Pacific/Kanton"),
    ("Pacific/Ponape", "Pacific/Guadalcanal"),
    ("Pacific/Truk", "Pacific/Port_Moresby"),
    ("Poland", "Europe/Warsaw"),
    ("Portugal", "Europe/Lisbon"),
    ("ROC", "Asia/Taipei"),
    ("ROK", "Asia/Seoul"),
    ("Singapore", "Asia/Singapore"),
    ("Turkey", "Europe/Istanbul"),
    ("UCT", "Etc/UTC"),
    ("US/Alaska", "America/Anchorage"),
    ("US/Aleutian", "America/Adak"),
    ("US/Arizona", "America/Phoenix"),
    ("US/Central", "America/Chicago"),
    ("US/East-Indiana", "America/Indiana/Indianapolis"),
    ("US/Eastern", "America/New_York"),
    ("US/Hawaii", "Pacific/Honolulu"),
    ("US/Indiana-Starke", "America/Indiana/Knox"),
    ("US/Michigan", "America/Detroit"),
    ("US/Mountain", "America/Denver"),
    ("US/Pacific", "America/Los_Angeles"),
    ("US/Samoa", "Pacific/Pago_Pago"),
    ("Universal", "Etc/UTC"),
    ("W-SU", "Europe/Moscow"),
    ("WET", "Europe/Lisbon"),
    ("Zulu", "Etc/UTC"),
];

/// The canonical zone a legacy name is rewritten to, if it is one.
pub fn legacy_rewrite(name: &str) -> Option<&'static str> {
    LEGACY
        .binary_search_by(|(legacy, _)| (*legacy).cmp(name))
        .ok()
        .and_then(|i| LEGACY.get(i))
        .map(|(_, canonical)| *canonical)
}

/// A zone name as the API takes it: legacy names rewritten, unknown names and
/// `Factory` refused (`None`). Returns the name to store and the zone.
pub fn api_zone(name: &str) -> Option<(&str, Tz)> {
    let name = legacy_rewrite(name).unwrap_or(name);
    zone(name).map(|tz| (name, tz))
}

/// A zone name as web forms and stored checks take it: canonical names only.
pub fn zone(name: &str) -> Option<Tz> {
    if name == "Factory" || legacy_rewrite(name).is_some() {
        return None;
    }
    name.parse::<Tz>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_complete() {
        assert_eq!(LEGACY.len(), 113);
        assert!(LEGACY.windows(2).all(|w| w[0].0 < w[1].0));
        for (legacy, canonical) in LEGACY {
            assert!(
                zone(canonical).is_some(),
                "{legacy} -> {canonical} is not a zone"
            );
        }
    }

    #[test]
    fn legacy_names_are_rewritten_by_the_api_only() {
        assert_eq!(api_zone("Europe/Kiev").map(|z| z.0), Some("Europe/Kyiv"));
        assert_eq!(api_zone("Iceland").map(|z| z.0), Some("Africa/Abidjan"));
        assert_eq!(api_zone("US/Samoa").map(|z| z.0), Some("Pacific/Pago_Pago"));
        assert_eq!(
            api_zone("Pacific/Samoa").map(|z| z.0),
            Some("Pacific/Samoa")
        );
        assert!(zone("Europe/Kiev").is_none());
        assert!(zone("Europe/Kyiv").is_some());
    }

    #[test]
    fn utc_aliases_are_accepted_and_nonsense_is_not() {
        for name in [
            "UTC",
            "GMT",
            "Etc/UTC",
            "Etc/GMT+5",
            "Etc/GMT-14",
            "Etc/Zulu",
            "Etc/Universal",
        ] {
            assert!(api_zone(name).is_some(), "{name}");
        }
        for name in ["Factory", "Mars/Olympus", "", "utc"] {
            assert!(api_zone(name).is_none(), "{name}");
        }
    }
}
