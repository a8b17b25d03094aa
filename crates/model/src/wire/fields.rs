//! serde adapters for the proto3 JSON mapping: int64 as strings, doubles, enums, timestamps and
//! free-form objects whose keys are written in camelCase.
//!
//! Use them with `#[serde(with = "...")]` on wire struct fields. Each visitor's `expecting` text is
//! the proto type (`TYPE_INT64`, `type.googleapis.com/google.protobuf.Timestamp`, ...), which
//! [`crate::wire::decode`] turns into Google's `Invalid value at '<field>' (<type>), <value>` wording.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use super::{EnumEncoding, WireEnum};
use crate::time::Timestamp;

thread_local! {
    static ENUM_ENCODING: Cell<EnumEncoding> = const { Cell::new(EnumEncoding::Names) };
}

/// Runs `f` with enums serialized as `encoding` on this thread, restoring the previous setting
/// afterwards (also when `f` unwinds).
pub(crate) fn with_enum_encoding<R>(encoding: EnumEncoding, f: impl FnOnce() -> R) -> R {
    struct Restore(EnumEncoding);
    impl Drop for Restore {
        fn drop(&mut self) {
            ENUM_ENCODING.with(|c| c.set(self.0));
        }
    }
    let previous = ENUM_ENCODING.with(|c| c.replace(encoding));
    let _restore = Restore(previous);
    f()
}

fn current_enum_encoding() -> EnumEncoding {
    ENUM_ENCODING.with(Cell::get)
}

/// `skip_serializing_if` helper: an int64 at its default.
pub fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

/// `skip_serializing_if` helper: an int32 at its default.
pub fn is_zero_i32(v: &i32) -> bool {
    *v == 0
}

/// `skip_serializing_if` helper: a double at its default.
pub fn is_zero_f64(v: &f64) -> bool {
    *v == 0.0
}

/// `skip_serializing_if` helper: a bool at its default.
pub fn is_false(v: &bool) -> bool {
    !*v
}

// ---------------------------------------------------------------------------------------------
// int64

struct Int64Visitor;

impl Visitor<'_> for Int64Visitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TYPE_INT64")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // 2^63 is exactly representable; every integral f64 in [-2^63, 2^63) fits an i64.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
            Ok(v as i64)
        } else {
            Err(E::invalid_value(Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        let digits = v.strip_prefix('-').unwrap_or(v);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::invalid_value(Unexpected::Str(v), &self));
        }
        v.parse::<i64>()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
    }
}

fn deserialize_int64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(Int64Visitor)
}

/// `i64` as a decimal string; accepts a string or a number without a fraction.
pub mod int64 {
    use super::*;

    /// Writes the value as a decimal string.
    pub fn serialize<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    /// Reads a decimal string or an integral number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        deserialize_int64(d)
    }
}

/// `Option<i64>` as a decimal string; `None` is written only if the field is not skipped.
pub mod int64_opt {
    use super::*;

    /// Writes `Some` as a decimal string and `None` as `null`.
    pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    /// Reads a decimal string or an integral number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        deserialize_int64(d).map(Some)
    }
}

/// `Vec<i64>` as a list of decimal strings.
pub mod int64_vec {
    use super::*;

    struct Int64Elem(i64);

    impl<'de> Deserialize<'de> for Int64Elem {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize_int64(d).map(Int64Elem)
        }
    }

    /// Writes each value as a decimal string.
    pub fn serialize<S: Serializer>(v: &[i64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for x in v {
            seq.serialize_element(&x.to_string())?;
        }
        seq.end()
    }

    /// Reads a list of decimal strings or integral numbers.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
        let v = Vec::<Int64Elem>::deserialize(d)?;
        Ok(v.into_iter().map(|e| e.0).collect())
    }
}

// ---------------------------------------------------------------------------------------------
// int32

struct Int32Visitor;

impl Visitor<'_> for Int32Visitor {
    type Value = i32;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TYPE_INT32")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i32, E> {
        if v.fract() == 0.0 && (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&v) {
            Ok(v as i32)
        } else {
            Err(E::invalid_value(Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i32, E> {
        let digits = v.strip_prefix('-').unwrap_or(v);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::invalid_value(Unexpected::Str(v), &self));
        }
        v.parse::<i32>()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
    }
}

/// `i32` as a JSON number; accepts a number or a decimal string (proto3 JSON allows both).
pub mod int32 {
    use super::*;

    /// Writes the value as a JSON number.
    pub fn serialize<S: Serializer>(v: &i32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(*v)
    }

    /// Reads a number or a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
        d.deserialize_any(Int32Visitor)
    }
}

// ---------------------------------------------------------------------------------------------
// double

struct DoubleVisitor;

impl Visitor<'_> for DoubleVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TYPE_DOUBLE")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ if v
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) =>
            {
                v.parse::<f64>()
                    .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
            }
            _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
        }
    }
}

fn serialize_double<S: Serializer>(v: f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_nan() {
        s.serialize_str("NaN")
    } else if v == f64::INFINITY {
        s.serialize_str("Infinity")
    } else if v == f64::NEG_INFINITY {
        s.serialize_str("-Infinity")
    } else {
        s.serialize_f64(v)
    }
}

/// `f64` as a JSON number (`"NaN"`, `"Infinity"`, `"-Infinity"` as strings); accepts a number or
/// a numeric string.
pub mod double {
    use super::*;

    /// Writes the value as a JSON number, or the proto3 string for a non-finite value.
    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        serialize_double(*v, s)
    }

    /// Reads a number or a numeric string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        d.deserialize_any(DoubleVisitor)
    }
}

/// `Option<f64>`, as [`double`].
pub mod double_opt {
    use super::*;

    /// Writes `Some` as [`double`] does and `None` as `null`.
    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => serialize_double(*v, s),
            None => s.serialize_none(),
        }
    }

    /// Reads a number or a numeric string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        d.deserialize_any(DoubleVisitor).map(Some)
    }
}

// ---------------------------------------------------------------------------------------------
// enums

struct EnumVisitor<T>(std::marker::PhantomData<T>);

impl<T: WireEnum> Visitor<'_> for EnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "type.googleapis.com/{}", T::PROTO_TYPE)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        i32::try_from(v)
            .ok()
            .and_then(T::from_proto_number)
            .ok_or_else(|| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        i32::try_from(v)
            .ok()
            .and_then(T::from_proto_number)
            .ok_or_else(|| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        if v.fract() == 0.0
            && (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&v)
            && let Some(value) = T::from_proto_number(v as i32)
        {
            return Ok(value);
        }
        Err(E::invalid_value(Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_proto_name(v).ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
}

fn serialize_enum<T: WireEnum, S: Serializer>(v: T, s: S) -> Result<S::Ok, S::Error> {
    match current_enum_encoding() {
        EnumEncoding::Names => s.serialize_str(v.proto_name()),
        EnumEncoding::Ints => s.serialize_i32(v.proto_number()),
    }
}

fn deserialize_enum<'de, T: WireEnum, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(EnumVisitor(std::marker::PhantomData))
}

/// `Option<T>` for a proto enum: written as its name, or its number while
/// [`crate::wire::encode`] runs with [`EnumEncoding::Ints`]; read from a name or a number.
pub mod proto_enum_opt {
    use super::*;

    /// Writes the name or the number (see the module doc); `None` as `null`.
    pub fn serialize<T: WireEnum, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => serialize_enum(*v, s),
            None => s.serialize_none(),
        }
    }

    /// Reads a name or a number; an unknown one is an error naming it.
    pub fn deserialize<'de, T: WireEnum, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        deserialize_enum(d).map(Some)
    }
}

/// `Vec<T>` for a repeated proto enum, as [`proto_enum_opt`].
pub mod proto_enum_vec {
    use super::*;

    struct Elem<T>(T);

    impl<'de, T: WireEnum> Deserialize<'de> for Elem<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize_enum(d).map(Elem)
        }
    }

    struct SerElem<T>(T);

    impl<T: WireEnum> Serialize for SerElem<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize_enum(self.0, s)
        }
    }

    /// Writes each value's name or number.
    pub fn serialize<T: WireEnum, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for x in v {
            seq.serialize_element(&SerElem(*x))?;
        }
        seq.end()
    }

    /// Reads a list of names or numbers.
    pub fn deserialize<'de, T: WireEnum, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        let v = Vec::<Elem<T>>::deserialize(d)?;
        Ok(v.into_iter().map(|e| e.0).collect())
    }
}

// ---------------------------------------------------------------------------------------------
// timestamps

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("type.googleapis.com/google.protobuf.Timestamp")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        v.parse()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
    }
}

/// `Option<Timestamp>` as RFC 3339 with `Z` (0, 3, 6 or 9 fraction digits); reads any offset.
pub mod timestamp_opt {
    use super::*;

    /// Writes RFC 3339 with `Z`; `None` as `null`.
    pub fn serialize<S: Serializer>(v: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    /// Reads RFC 3339 with any offset.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        d.deserialize_str(TimestampVisitor).map(Some)
    }
}

// ---------------------------------------------------------------------------------------------
// free-form objects

/// `lower_snake_case` to `lowerCamelCase` (`output_uri_prefix` -> `outputUriPrefix`).
pub fn snake_to_camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    if upper {
        out.push('_');
    }
    out
}

/// `lowerCamelCase` to `lower_snake_case` (`outputUriPrefix` -> `output_uri_prefix`).
pub fn camel_to_snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Rewrites every object key of `value` (recursively) to camelCase; `@type` and other keys
/// starting with `@` stay as they are.
pub fn camelize_keys(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let k = if k.starts_with('@') {
                        k
                    } else {
                        snake_to_camel(&k)
                    };
                    (k, camelize_keys(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camelize_keys).collect()),
        other => other,
    }
}

/// `Option<serde_json::Value>` for a message we carry without typing it (for example
/// `evaluationConfig`): keys are camelCased when read and when written, so snake_case input
/// (as the Python SDK sends) comes back out in the canonical spelling.
pub mod camel_object_opt {
    use super::*;

    /// Writes the object with camelCase keys; `None` as `null`.
    pub fn serialize<S: Serializer>(
        v: &Option<serde_json::Value>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => camelize_keys(v.clone()).serialize(s),
            None => s.serialize_none(),
        }
    }

    /// Reads any JSON value and camelCases its keys.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<serde_json::Value>, D::Error> {
        serde_json::Value::deserialize(d).map(|v| Some(camelize_keys(v)))
    }
}
