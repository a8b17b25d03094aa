//! Hyperparameters of supervised tuning and their checks against the base model.

/// The LoRA adapter size (`SupervisedHyperParameters.adapter_size`).
///
/// Proto numbers are **not** ordered by size: `TWO` is 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdapterSize {
    Unspecified,
    One,
    Two,
    Four,
    Eight,
    Sixteen,
    ThirtyTwo,
}

crate::proto_enum!(AdapterSize {
    Unspecified = ("ADAPTER_SIZE_UNSPECIFIED", 0),
    One = ("ADAPTER_SIZE_ONE", 1),
    Two = ("ADAPTER_SIZE_TWO", 6),
    Four = ("ADAPTER_SIZE_FOUR", 2),
    Eight = ("ADAPTER_SIZE_EIGHT", 3),
    Sixteen = ("ADAPTER_SIZE_SIXTEEN", 4),
    ThirtyTwo = ("ADAPTER_SIZE_THIRTY_TWO", 5),
});

impl AdapterSize {
    /// The adapter rank, or `None` for `Unspecified`.
    pub fn rank(self) -> Option<u32> {
        match self {
            AdapterSize::Unspecified => None,
            AdapterSize::One => Some(1),
            AdapterSize::Two => Some(2),
            AdapterSize::Four => Some(4),
            AdapterSize::Eight => Some(8),
            AdapterSize::Sixteen => Some(16),
            AdapterSize::ThirtyTwo => Some(32),
        }
    }

    /// The size for a rank (1, 2, 4, 8, 16 or 32).
    pub fn from_rank(rank: u32) -> Option<AdapterSize> {
        match rank {
            1 => Some(AdapterSize::One),
            2 => Some(AdapterSize::Two),
            4 => Some(AdapterSize::Four),
            8 => Some(AdapterSize::Eight),
            16 => Some(AdapterSize::Sixteen),
            32 => Some(AdapterSize::ThirtyTwo),
            _ => None,
        }
    }
}
