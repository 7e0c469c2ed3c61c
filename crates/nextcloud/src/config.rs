//! Account configuration: where the Nextcloud (or ownCloud) server is, how to authenticate, and
//! the zone the server writes share expiry dates in.

use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};
use std::fmt;
use std::str::FromStr;
use unishare_core::retry::RetryPolicy;
use unishare_core::{AccountName, Error, Secret};

/// One configured Nextcloud / ownCloud account.
#[derive(Clone)]
pub struct NextcloudConfig {
    /// The configured account name.
    pub account: AccountName,
    /// The server root, e.g. `https://cloud.example.com` or `https://example.com/nextcloud`.
    /// The adapter adds `/ocs/v2.php/apps/files_sharing/api/v1`; a trailing slash is tolerated.
    pub base_url: String,
    /// How requests are authenticated.
    pub auth: NextcloudAuth,
    /// The zone of the server's `expiration` dates (`Y-m-d 00:00:00`, no offset on the wire).
    pub zone: ServerZone,
    /// Upstream call policy (timeouts, retries, budget).
    pub policy: RetryPolicy,
}

impl NextcloudConfig {
    /// A configuration with the default policy and the UTC zone.
    pub fn new(account: AccountName, base_url: impl Into<String>, auth: NextcloudAuth) -> Self {
        NextcloudConfig {
            account,
            base_url: base_url.into(),
            auth,
            zone: ServerZone::UTC,
            policy: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for NextcloudConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NextcloudConfig")
            .field("account", &self.account)
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("zone", &self.zone)
            .field("policy", &self.policy)
            .finish()
    }
}

/// How a Nextcloud account authenticates: the account's `auth` table, deserialized by
/// `register.rs`.
#[derive(Clone, serde::Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum NextcloudAuth {
    /// HTTP basic auth with a login name and an app password (Settings → Security → Devices &
    /// sessions). The account password works too where the server allows it, but an app
    /// password can be revoked on its own and bypasses two-factor prompts.
    AppPassword {
        /// The login name.
        user: String,
        /// The app password.
        app_password: Secret,
    },
}

impl NextcloudAuth {
    /// `"app_password"`, as in the configuration file.
    pub fn method(&self) -> &'static str {
        match self {
            NextcloudAuth::AppPassword { .. } => "app_password",
        }
    }
}

impl fmt::Debug for NextcloudAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NextcloudAuth::AppPassword { user, .. } => f
                .debug_struct("AppPassword")
                .field("user", user)
                .field("app_password", &"[redacted]")
                .finish(),
        }
    }
}

/// The zone the server formats `expiration` in and reads `expireDate` in.
///
/// `formatShare` writes the expiry as `Y-m-d 00:00:00` with no offset, converted to the
/// server's (newer releases: the user's) time zone first; `parseDate` reads `expireDate` as a
/// date at midnight in that zone. The wire never says which zone, so the account states it.
/// A fixed offset: a zone with daylight saving time is off by its DST shift for half the year
/// (README, "Not supported").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerZone(FixedOffset);

impl ServerZone {
    /// UTC, the default.
    pub const UTC: ServerZone = ServerZone(match FixedOffset::east_opt(0) {
        Some(z) => z,
        None => unreachable!(),
    });

    /// The offset.
    pub fn offset(self) -> FixedOffset {
        self.0
    }

    /// Midnight of `date` in this zone, in UTC.
    pub fn midnight(self, date: NaiveDate) -> Option<chrono::DateTime<Utc>> {
        let naive = date.and_hms_opt(0, 0, 0)?;
        self.0
            .from_local_datetime(&naive)
            .single()
            .map(|d| d.with_timezone(&Utc))
    }

    /// The calendar date of `at` in this zone.
    pub fn date_of(self, at: chrono::DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }

    /// The date whose local midnight is the first at or after `at`: the date to send as
    /// `expireDate` so that the link lives at least until `at` and at most a day longer.
    pub fn expiry_date_for(self, at: chrono::DateTime<Utc>) -> NaiveDate {
        let date = self.date_of(at);
        match self.midnight(date) {
            Some(m) if m == at => date,
            _ => date.succ_opt().unwrap_or(date),
        }
    }
}

impl Default for ServerZone {
    fn default() -> Self {
        ServerZone::UTC
    }
}

impl FromStr for ServerZone {
    type Err = Error;

    /// `UTC`, `Z`, or an offset `+HH:MM` / `-HH:MM` (up to ±14:00).
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" {
            return Ok(ServerZone::UTC);
        }
        let bad = || {
            Error::invalid_request(format!(
                "server_timezone {t:?} is not UTC or an offset like \"+02:00\""
            ))
        };
        let (sign, rest) = match t.as_bytes().first() {
            Some(b'+') => (1, &t[1..]),
            Some(b'-') => (-1, &t[1..]),
            _ => return Err(bad()),
        };
        let (h, m) = rest.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: i32 = h.parse().map_err(|_| bad())?;
        let m: i32 = m.parse().map_err(|_| bad())?;
        if h > 14 || m > 59 || (h == 14 && m > 0) {
            return Err(bad());
        }
        FixedOffset::east_opt(sign * (h * 3600 + m * 60))
            .map(ServerZone)
            .ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_parse() {
        assert_eq!("UTC".parse::<ServerZone>().unwrap(), ServerZone::UTC);
        assert_eq!("Z".parse::<ServerZone>().unwrap(), ServerZone::UTC);
        let z: ServerZone = "+02:00".parse().unwrap();
        assert_eq!(z.offset().local_minus_utc(), 7200);
        let z: ServerZone = "-05:30".parse().unwrap();
        assert_eq!(z.offset().local_minus_utc(), -(5 * 3600 + 1800));
        for bad in [
            "",
            "Europe/Berlin",
            "+2",
            "+15:00",
            "+02:60",
            "02:00",
            "+aa:00",
        ] {
            assert!(bad.parse::<ServerZone>().is_err(), "{bad}");
        }
    }

    #[test]
    fn midnight_and_date_of_round_trip() {
        let z: ServerZone = "+02:00".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
        let at = z.midnight(d).unwrap();
        assert_eq!(at.to_rfc3339(), "2027-01-30T22:00:00+00:00");
        assert_eq!(z.date_of(at), d);
    }

    #[test]
    fn expiry_dates_round_up_to_the_next_local_midnight() {
        let z: ServerZone = "+02:00".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
        let midnight = z.midnight(d).unwrap();
        assert_eq!(z.expiry_date_for(midnight), d);
        let later = midnight + chrono::Duration::seconds(1);
        assert_eq!(z.expiry_date_for(later), d.succ_opt().unwrap());
        let earlier = midnight - chrono::Duration::seconds(1);
        assert_eq!(z.expiry_date_for(earlier), d);
    }

    #[test]
    fn debug_hides_the_app_password() {
        let auth = NextcloudAuth::AppPassword {
            user: "alice".into(),
            app_password: Secret::new("Xq7pL-wN2mK-8vRtY-3sZaB-c4DeF"),
        };
        let s = format!("{auth:?}");
        assert!(s.contains("alice") && !s.contains("Xq7pL"), "{s}");
    }
}
