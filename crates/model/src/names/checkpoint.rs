//! Checkpoint ids (a checkpoint has no resource name of its own).

use std::fmt;
use std::str::FromStr;

use super::{NameError, NameKind, parse_decimal, wrap};

/// A checkpoint id: a small decimal number such as `1`, `2`, ... A checkpoint has no resource
/// name of its own; it is the pair (model version, checkpoint id).
///
/// ```
/// use retune_model::names::CheckpointId;
/// assert_eq!("2".parse::<CheckpointId>(), Ok(CheckpointId::from_number(2)));
/// assert!("two".parse::<CheckpointId>().is_err());
/// assert!("".parse::<CheckpointId>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckpointId(u64);

number_id!(CheckpointId, NameKind::CheckpointId, "checkpoint id");
