//! Protobuf-style enums: a stable name and number for every value, used by the wire codec.

/// An enum that travels as its proto name (`"JOB_STATE_RUNNING"`) or number (`3`).
///
/// Domain enums implement this instead of deriving serde; [`crate::wire`] uses it to encode
/// names by default, numbers when a caller asks for `enum-encoding=int`, and to accept either.
pub trait ProtoEnum: Sized + Copy + 'static {
    /// Every value, including the `*_UNSPECIFIED` zero value.
    const VALUES: &'static [Self];
    /// The proto name.
    fn proto_name(self) -> &'static str;
    /// The proto number.
    fn proto_number(self) -> i32;
    /// The value with this proto name.
    fn from_proto_name(name: &str) -> Option<Self> {
        Self::VALUES
            .iter()
            .copied()
            .find(|v| v.proto_name() == name)
    }
    /// The value with this proto number.
    fn from_proto_number(number: i32) -> Option<Self> {
        Self::VALUES
            .iter()
            .copied()
            .find(|v| v.proto_number() == number)
    }
}

/// Implements [`ProtoEnum`] from a `Variant = ("NAME", number)` table.
#[macro_export]
macro_rules! proto_enum {
    ($ty:ty { $($variant:ident = ($name:literal, $num:literal)),+ $(,)? }) => {
        impl $crate::proto_enum::ProtoEnum for $ty {
            const VALUES: &'static [Self] = &[$(<$ty>::$variant),+];
            fn proto_name(self) -> &'static str {
                match self { $(<$ty>::$variant => $name),+ }
            }
            fn proto_number(self) -> i32 {
                match self { $(<$ty>::$variant => $num),+ }
            }
        }
    };
}
