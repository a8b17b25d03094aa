//! What a model answers to GenerateContent in the emulator: deterministic, documented and
//! testable.
//!
//! - A **tuned version** knows the training pairs of every data set on its lineage (its own
//!   job's, and those of the versions and checkpoints it was continued from, as the jobs read
//!   them), kept in an [`AnswerIndex`] built once when its job succeeds.
//! - The **question** is the last `user` turn of the request; earlier turns and the system
//!   instruction count for tokens but not for matching (the emulator does not model context).
//! - The answer is the model turn of the best BM25 match if it clears [`MIN_TERM_COVERAGE`];
//!   otherwise, and always for a base model, the [`base_model_reply`].
//! - Every **checkpoint** of a version answers alike: a checkpoint is saved at the end of an
//!   epoch, and every epoch has seen every example. `modelVersion` still names the checkpoint.
//! - `stopSequences` cut the answer before the first one found (`STOP`); `maxOutputTokens`
//!   truncates it to that many estimated tokens (`MAX_TOKENS`); `candidateCount` repeats the one
//!   deterministic answer; `responseMimeType: application/json` answers a JSON document
//!   ([`crate::wire::as_json_text`]).
//! - Tokens are estimated with [`crate::dataset::estimate_tokens`], as the data-set statistics.

mod index;
mod reply;

pub use index::{AnswerIndex, MIN_TERM_COVERAGE, Match, TrainingPair};
pub use reply::{
    Answerer, CandidateReply, FinishReason, Reply, STREAM_CHUNK_CHARS, answer, base_model_reply,
};
