//! An API's conventions beyond what OpenAPI describes: which request headers name the account
//! and the API version, the response header that says whether to retry, and the key prefixes
//! that tell test keys from live ones. The generator fills these in per spec (a generated
//! crate's `CONVENTIONS`), so this crate knows no API's header names or key formats.

use crate::ApiKey;

/// Test or live mode, told by the API key's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// A test-mode key: objects live apart from live ones.
    Test,
    /// A live-mode key.
    Live,
}

/// A key prefix that tells the mode (`sk_test_` is a test key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyMode {
    /// How keys of this kind start.
    pub prefix: &'static str,
    /// The mode such a key acts in.
    pub mode: Mode,
    /// Whether such a key is restricted (a subset of the API's permissions).
    pub restricted: bool,
}

/// The conventions of one API; [`Conventions::NONE`] for an API that has none of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conventions {
    /// Request header (lowercase) naming the account a request acts for.
    pub account_header: Option<&'static str>,
    /// Request header (lowercase) choosing the API version.
    pub version_header: Option<&'static str>,
    /// Response header (lowercase) whose `true`/`false` overrides the client's retry rules.
    pub should_retry_header: Option<&'static str>,
    /// Key prefixes that tell the mode, tried in order.
    pub key_modes: &'static [KeyMode],
}

impl Conventions {
    /// No account or version header, no retry header, no key modes.
    pub const NONE: Conventions = Conventions {
        account_header: None,
        version_header: None,
        should_retry_header: None,
        key_modes: &[],
    };

    /// The mode of `key` and whether it is restricted; `None` for a key of no known form.
    pub fn mode_of(&self, key: &ApiKey) -> Option<(Mode, bool)> {
        self.key_modes
            .iter()
            .find(|kind| key.expose().starts_with(kind.prefix))
            .map(|kind| (kind.mode, kind.restricted))
    }
}

impl Default for Conventions {
    fn default() -> Self {
        Self::NONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_come_from_the_listed_prefixes_only() {
        static MODES: &[KeyMode] = &[
            KeyMode {
                prefix: "t_",
                mode: Mode::Test,
                restricted: false,
            },
            KeyMode {
                prefix: "r_",
                mode: Mode::Live,
                restricted: true,
            },
        ];
        let conventions = Conventions {
            key_modes: MODES,
            ..Conventions::NONE
        };
        assert_eq!(
            conventions.mode_of(&ApiKey::new("t_1")),
            Some((Mode::Test, false))
        );
        assert_eq!(
            conventions.mode_of(&ApiKey::new("r_1")),
            Some((Mode::Live, true))
        );
        assert_eq!(conventions.mode_of(&ApiKey::new("sk_test_1")), None);
        assert_eq!(Conventions::NONE.mode_of(&ApiKey::new("t_1")), None);
    }
}
