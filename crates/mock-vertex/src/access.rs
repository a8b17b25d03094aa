//! Which projects a caller may reach: tokens granted some projects only (IAM), and projects
//! whose Vertex AI API is disabled (Service Usage). Both answer 403 PERMISSION_DENIED as Vertex
//! AI does (`retune_model::error_details`).
//!
//! A token with a grant reaches only its projects; a token without one (or a call without a
//! token) reaches every project, as under the auth mode alone. A disabled API refuses every
//! caller, and is checked first, as Google's front end checks the service before IAM.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use retune_model::error_details::{Method, permission_denied, service_disabled};

use crate::error::ApiError;
use crate::projects::Projects;
use crate::routes::Route;

/// A token's grant: the projects it may reach, parsed from `TOKEN=PROJECT[,PROJECT...]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Grant {
    token: String,
    projects: BTreeSet<String>,
}

impl Grant {
    /// `token` may reach `projects` only.
    pub fn new(
        token: impl Into<String>,
        projects: impl IntoIterator<Item = impl Into<String>>,
    ) -> Grant {
        Grant {
            token: token.into(),
            projects: projects.into_iter().map(Into::into).collect(),
        }
    }
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is a secret even in an emulator's logs.
        f.debug_struct("Grant")
            .field("projects", &self.projects)
            .finish_non_exhaustive()
    }
}

/// A `--grant` value that is not `TOKEN=PROJECT[,PROJECT...]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid grant: expected TOKEN=PROJECT[,PROJECT...], with a token and at least one project"
)]
pub struct GrantError;

impl FromStr for Grant {
    type Err = GrantError;
    fn from_str(s: &str) -> Result<Grant, GrantError> {
        let (token, projects) = s.split_once('=').ok_or(GrantError)?;
        let projects: BTreeSet<String> = projects
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        if token.is_empty() || projects.is_empty() {
            return Err(GrantError);
        }
        Ok(Grant {
            token: token.to_owned(),
            projects,
        })
    }
}

/// The grants and the disabled APIs of one emulator.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Access {
    grants: BTreeMap<String, BTreeSet<String>>,
    disabled: BTreeSet<String>,
}

impl Access {
    /// Adds a grant (a second grant for the same token adds its projects).
    pub fn grant(&mut self, grant: Grant) {
        self.grants
            .entry(grant.token)
            .or_default()
            .extend(grant.projects);
    }

    /// Enables or disables the Vertex AI API of `project`.
    pub fn set_api_enabled(&mut self, project: &str, enabled: bool) {
        if enabled {
            self.disabled.remove(project);
        } else {
            self.disabled.insert(project.to_owned());
        }
    }

    /// The projects whose Vertex AI API is disabled.
    pub fn disabled_projects(&self) -> impl Iterator<Item = &str> {
        self.disabled.iter().map(String::as_str)
    }

    /// Accepts or refuses a call of `method` on `route` by a caller holding `token`: 403
    /// SERVICE_DISABLED when the project's API is disabled, 403 IAM_PERMISSION_DENIED when the
    /// token's grant does not cover the project. Grants and switches name a project by id or
    /// number, and match the route's project in either form (`projects`).
    pub fn check(
        &self,
        token: Option<&str>,
        route: &Route,
        method: Method,
        projects: &Projects,
    ) -> Result<(), ApiError> {
        let Some((resource, project)) = route.resource() else {
            return Ok(());
        };
        let project = project.as_str();
        let covers = |set: &BTreeSet<String>| set.iter().any(|p| projects.same_project(p, project));
        if covers(&self.disabled) {
            return Err(ApiError::from_details(service_disabled(project)));
        }
        match token.and_then(|t| self.grants.get(t)) {
            Some(granted) if !covers(granted) => {
                Err(ApiError::from_details(permission_denied(method, &resource)))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method as HttpMethod;
    use retune_model::Code;
    use retune_model::wire::ApiVersion;

    use crate::routes::parse_route;

    fn call(path: &str) -> (Route, Method) {
        let (version, route) = parse_route(&HttpMethod::POST, path).unwrap();
        let method = Method {
            rpc: route.rpc(),
            version,
        };
        (route, method)
    }

    #[test]
    fn grants_parse_token_and_projects() {
        let grant: Grant = "t=a, b".parse().unwrap();
        assert_eq!(grant, Grant::new("t", ["a", "b"]));
        assert!("t=".parse::<Grant>().is_err());
        assert!("=a".parse::<Grant>().is_err());
        assert!("t".parse::<Grant>().is_err());
        let secret: Grant = "s3cret=a".parse().unwrap();
        assert!(!format!("{secret:?}").contains("s3cret"));
    }

    #[test]
    fn a_granted_token_reaches_only_its_projects() {
        let none = Projects::default();
        let mut access = Access::default();
        access.grant(Grant::new("t", ["a"]));
        let (route, method) = call("/v1/projects/a/locations/us-central1/tuningJobs");
        assert!(access.check(Some("t"), &route, method, &none).is_ok());
        let (route, method) = call("/v1/projects/b/locations/us-central1/tuningJobs");
        let err = access.check(Some("t"), &route, method, &none).unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied);
        assert_eq!(err.details()[0]["reason"], "IAM_PERMISSION_DENIED");
        assert_eq!(
            err.details()[0]["metadata"]["permission"],
            "aiplatform.tuningJobs.create"
        );
        // Another token, or none, is not limited.
        assert!(access.check(Some("u"), &route, method, &none).is_ok());
        assert!(access.check(None, &route, method, &none).is_ok());
        assert_eq!(method.version, ApiVersion::V1);
    }

    #[test]
    fn a_disabled_api_refuses_every_caller_until_enabled() {
        let none = Projects::default();
        let mut access = Access::default();
        access.set_api_enabled("a", false);
        let (route, method) = call("/v1/projects/a/locations/us-central1/tuningJobs");
        let err = access.check(None, &route, method, &none).unwrap_err();
        assert_eq!(err.details()[0]["reason"], "SERVICE_DISABLED");
        assert_eq!(err.details()[0]["domain"], "googleapis.com");
        access.set_api_enabled("a", true);
        assert!(access.check(None, &route, method, &none).is_ok());
    }

    #[test]
    fn grants_and_switches_match_the_project_by_id_or_number() {
        // google/cloud/aiplatform/v1/tuning_job.proto, `TuningJob.name`: the front end resolves
        // `projects/{project}` given as id or number to the same project.
        let mut projects = Projects::default();
        projects.configure("a=42".parse().unwrap());
        let mut access = Access::default();
        access.grant(Grant::new("t", ["a"]));
        let (route, method) = call("/v1/projects/42/locations/us-central1/tuningJobs");
        assert!(access.check(Some("t"), &route, method, &projects).is_ok());
        let (other, _) = call("/v1/projects/43/locations/us-central1/tuningJobs");
        assert!(access.check(Some("t"), &other, method, &projects).is_err());
        access.set_api_enabled("42", false);
        let (by_id, _) = call("/v1/projects/a/locations/us-central1/tuningJobs");
        let err = access.check(None, &by_id, method, &projects).unwrap_err();
        assert_eq!(err.details()[0]["reason"], "SERVICE_DISABLED");
    }
}
