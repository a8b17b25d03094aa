//! Service accounts (an email address).

use std::fmt;
use std::str::FromStr;

use super::{NameError, NameKind};

/// A service account email that a tuning job runs as (`TuningJob.service_account`), such as
/// `tuner@my-project.iam.gserviceaccount.com`.
///
/// The check is structural (one `@`, a non-empty account and a dotted domain, no whitespace, at
/// most 254 characters, the limit of an email address); whether the account exists and may be
/// impersonated is the service's to decide.
///
/// ```
/// use retune_model::names::ServiceAccount;
/// assert!("tuner@my-project.iam.gserviceaccount.com".parse::<ServiceAccount>().is_ok());
/// assert!("tuner".parse::<ServiceAccount>().is_err());
/// assert!("a b@example.com".parse::<ServiceAccount>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceAccount(String);

impl ServiceAccount {
    /// The email address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ServiceAccount {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| NameError::new(s, NameKind::ServiceAccount, reason);
        if s.chars().count() > 254 {
            return Err(err("an email address has at most 254 characters"));
        }
        if s.chars().any(char::is_whitespace) {
            return Err(err("must not contain whitespace"));
        }
        let Some((account, domain)) = s.split_once('@') else {
            return Err(err(
                "expected an email such as tuner@PROJECT.iam.gserviceaccount.com",
            ));
        };
        if account.is_empty() {
            return Err(err("the account part before `@` is empty"));
        }
        if domain.contains('@') {
            return Err(err("must contain exactly one `@`"));
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(err("the domain after `@` must be a dotted name"));
        }
        Ok(ServiceAccount(s.to_owned()))
    }
}

#[cfg(test)]
mod service_account_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn service_account_without_at_sign_is_rejected() {
        let err = "tuner".parse::<ServiceAccount>().unwrap_err();
        assert_eq!(err.kind(), NameKind::ServiceAccount);
        assert_eq!(err.input(), "tuner");
    }

    #[test]
    fn service_account_with_two_at_signs_is_rejected() {
        assert!("a@b@example.com".parse::<ServiceAccount>().is_err());
        assert!("@example.com".parse::<ServiceAccount>().is_err());
        assert!("a@localhost".parse::<ServiceAccount>().is_err());
    }

    proptest! {
        #[test]
        fn service_account_round_trips(account in "[a-z][a-z0-9-]{2,20}", project in "[a-z][a-z0-9-]{4,20}") {
            let email = format!("{account}@{project}.iam.gserviceaccount.com");
            let parsed: ServiceAccount = email.parse().unwrap();
            prop_assert_eq!(parsed.to_string(), email);
        }

        #[test]
        fn service_account_parse_never_panics(s in ".*") {
            let _ = s.parse::<ServiceAccount>();
        }
    }
}
