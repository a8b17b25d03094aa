//! Tolerant decoding of response bodies.
//!
//! `retune_model::wire::decode` is strict, as a server must be with requests: it rejects unknown
//! fields. A client must not be: the real service adds output fields over time, and
//! google-genai drops unknown fields before validating. So a response is decoded strictly first,
//! and each unknown field the decoder names is removed and the decode retried. Wrong types,
//! malformed JSON and oneof conflicts still fail.
//!
//! The common case, a well-formed body with only known fields, takes a fast path: serde
//! straight from the bytes (the wire structs accept both spellings through aliases). Only when
//! that fails does the body go through the strict decoder, which names the offending field.

use retune_model::wire::{self, WireError, WireErrorKind, WireMessage};
use serde::de::DeserializeOwned;

/// At most this many unknown fields are dropped from one body.
const MAX_DROPPED_FIELDS: usize = 256;

/// Decodes a response body, dropping fields this crate does not know.
pub(crate) fn decode_response<T: DeserializeOwned + WireMessage>(
    body: &[u8],
) -> Result<T, WireError> {
    if let Ok(value) = serde_json::from_slice::<T>(body)
        && value.check_oneofs().is_ok()
    {
        return Ok(value);
    }
    let first = match wire::decode::<T>(body) {
        Ok(v) => return Ok(v),
        Err(e) if e.kind() == WireErrorKind::UnknownField => e,
        Err(e) => return Err(e),
    };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Err(first);
    };
    let mut err = first;
    for _ in 0..MAX_DROPPED_FIELDS {
        if !drop_unknown(&mut value, T::PROTO_NAME, &err) {
            return Err(err);
        }
        match wire::decode_value::<T>(value.clone()) {
            Ok(v) => return Ok(v),
            Err(e) if e.kind() == WireErrorKind::UnknownField => err = e,
            Err(e) => return Err(e),
        }
    }
    Err(err)
}

/// Removes the field `err` names; false if it cannot be located.
fn drop_unknown(value: &mut serde_json::Value, root: &str, err: &WireError) -> bool {
    let Some(name) = unknown_name(err.message()) else {
        return false;
    };
    let path = err.field();
    let path = path
        .strip_prefix(root)
        .unwrap_or(path)
        .trim_start_matches('.');
    let mut node = value;
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (key, indices) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if !key.is_empty() {
            let Some(object) = node.as_object_mut() else {
                return false;
            };
            let camel = wire::fields::snake_to_camel(key);
            let found = if object.contains_key(key) {
                key.to_owned()
            } else {
                camel
            };
            let Some(next) = object.get_mut(&found) else {
                return false;
            };
            node = next;
        }
        for index in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            let Ok(i) = index.parse::<usize>() else {
                return false;
            };
            let Some(next) = node.as_array_mut().and_then(|a| a.get_mut(i)) else {
                return false;
            };
            node = next;
        }
    }
    let removed = node.as_object_mut().and_then(|o| o.remove(name));
    if removed.is_some() {
        tracing::debug!(field = %err.field(), name, "ignoring an unknown response field");
    }
    removed.is_some()
}

/// `foo` in `Invalid JSON payload received. Unknown name "foo" at '...': Cannot find field.`
fn unknown_name(message: &str) -> Option<&str> {
    let rest = message.split_once("Unknown name \"")?.1;
    Some(rest.split_once('"')?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_top_level_and_nested_fields_are_dropped() {
        let body = br#"{"name": "projects/p/locations/us-central1/tuningJobs/1", "brandNewField": 1,
            "tunedModel": {"model": "m", "checkpoints": [{"checkpointId": "1", "futureThing": true}]}}"#;
        let job = decode_response::<wire::TuningJob>(body);
        let job = job.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(job.name, "projects/p/locations/us-central1/tuningJobs/1");
        let checkpoints = job.tuned_model.map(|t| t.checkpoints.len());
        assert_eq!(checkpoints, Some(1));
    }

    #[test]
    fn wrong_types_still_fail() {
        let body =
            br#"{"supervisedTuningSpec": {"hyperParameters": {"epochCount": "abc"}}, "extra": 1}"#;
        assert!(decode_response::<wire::TuningJob>(body).is_err());
    }

    #[test]
    fn non_json_fails() {
        assert!(decode_response::<wire::Model>(b"<html>").is_err());
    }
}
