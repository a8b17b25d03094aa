//! Tuning jobs: `TuningJobId` and `…/tuningJobs/{tuning_job}`.

use std::fmt;
use std::str::FromStr;

use super::{
    Located, LocationId, LocationName, NameError, NameKind, ProjectId, Reason, parse_decimal, wrap,
};

/// A tuning job id: a server-generated decimal number such as `123456789012345`.
///
/// ```
/// use retune_model::names::TuningJobId;
/// assert_eq!("123456789012345".parse::<TuningJobId>().unwrap().get(), 123456789012345);
/// assert_eq!(TuningJobId::from_number(7).to_string(), "7");
/// assert!("job-1".parse::<TuningJobId>().is_err());
/// assert!("007".parse::<TuningJobId>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TuningJobId(u64);

number_id!(TuningJobId, NameKind::TuningJobId, "tuning job id");

/// `projects/{project}/locations/{location}/tuningJobs/{tuning_job}`.
///
/// ```
/// use retune_model::names::{LocationName, TuningJobId, TuningJobName};
/// let location: LocationName = "projects/p1/locations/us-central1".parse().unwrap();
/// let job = TuningJobName::new(location, TuningJobId::from_number(42));
/// assert_eq!(job.to_string(), "projects/p1/locations/us-central1/tuningJobs/42");
/// assert_eq!(job.to_string().parse::<TuningJobName>(), Ok(job));
/// assert!("projects/p1/locations/us-central1/tuningJob/42".parse::<TuningJobName>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TuningJobName {
    location: LocationName,
    job: TuningJobId,
}

impl TuningJobName {
    /// Job `job` in `location`.
    pub fn new(location: LocationName, job: TuningJobId) -> TuningJobName {
        TuningJobName { location, job }
    }

    /// The job id.
    pub fn tuning_job_id(&self) -> TuningJobId {
        self.job
    }

    pub(super) fn from_parts(
        project: &str,
        location: &str,
        job: &str,
    ) -> Result<TuningJobName, Reason> {
        Ok(TuningJobName {
            location: LocationName::from_parts(project, location)?,
            job: TuningJobId(parse_decimal(job, "tuning job id")?),
        })
    }
}

located!(TuningJobName, |n| &n.location);

impl fmt::Display for TuningJobName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/tuningJobs/{}", self.location, self.job)
    }
}

impl FromStr for TuningJobName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let r = match super::segments(s) {
            Some(["projects", p, "locations", l, "tuningJobs", t]) => {
                TuningJobName::from_parts(p, l, t)
            }
            _ => Err(
                "expected projects/{project}/locations/{location}/tuningJobs/{tuning_job}"
                    .to_owned(),
            ),
        };
        wrap(s, NameKind::TuningJobName, r)
    }
}
