//! The `filter` query parameter of list calls. The grammar (a lenient subset of AIP-160) and
//! the fields each list allows are rules, so they live in `retune_model::request`; the emulator
//! applies a parsed [`Filter`] to its records through [`Filterable`].

pub use retune_model::request::{Filter, FilterError, Filterable, Op, Term};
