//! Whose links an account lists: its own user's, or (with an administrator's credentials, where
//! the vendor has an admin listing) every user's on the site (`DESIGN.md` §4).

use serde::Serialize;

/// Whose links an account lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Inventory {
    /// The signed-in user's own links (the default).
    #[default]
    User,
    /// Every user's links, through the vendor's admin listing; each share carries its owner.
    Site,
}

impl Inventory {
    /// `"user"` or `"site"`, as in the configuration file.
    pub fn as_str(self) -> &'static str {
        match self {
            Inventory::User => "user",
            Inventory::Site => "site",
        }
    }
}

impl std::str::FromStr for Inventory {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "user" => Ok(Inventory::User),
            "site" => Ok(Inventory::Site),
            other => Err(crate::Error::invalid_request(format!(
                "unknown inventory {other:?}: expected \"user\" or \"site\""
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_two_names_only() {
        assert_eq!("user".parse::<Inventory>().ok(), Some(Inventory::User));
        assert_eq!("site".parse::<Inventory>().ok(), Some(Inventory::Site));
        assert_eq!(Inventory::default(), Inventory::User);
        let e = "Site".parse::<Inventory>().unwrap_err();
        assert!(e.message().contains("\"user\" or \"site\""), "{e}");
    }
}
