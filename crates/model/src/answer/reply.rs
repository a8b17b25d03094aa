//! The reply to a checked GenerateContent request: its candidates, finish reasons and token
//! counts, and its wire shapes (one response, or the chunks of a stream).

use crate::Timestamp;
use crate::dataset::estimate_tokens;
use crate::request::{GenerateContent, OutputConfig};
use crate::wire;

use super::AnswerIndex;

/// The characters of answer text in one chunk of a stream (the last chunk may hold fewer).
///
/// The emulator's choice: the service streams as it generates; 32 characters make a short
/// answer arrive in a few chunks.
pub const STREAM_CHUNK_CHARS: usize = 32;

/// Who answers.
#[derive(Debug, Clone, Copy)]
pub enum Answerer<'a> {
    /// A tuned version, with its index.
    Tuned(&'a AnswerIndex),
    /// The base model (also a tuned version when nothing in its data matches).
    Base,
}

/// Why a candidate ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FinishReason {
    /// The answer is complete (or a stop sequence was met).
    Stop,
    /// `maxOutputTokens` cut it.
    MaxTokens,
}

impl FinishReason {
    /// `STOP` or `MAX_TOKENS`, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "STOP",
            FinishReason::MaxTokens => "MAX_TOKENS",
        }
    }
}

/// One candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateReply {
    /// The text.
    pub text: String,
    /// Why it ended.
    pub finish_reason: FinishReason,
}

/// The reply to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// `candidateCount` candidates.
    pub candidates: Vec<CandidateReply>,
    /// True when a training example answered, false when the base model did.
    pub from_training: bool,
    /// Estimated prompt tokens.
    pub prompt_tokens: u64,
    /// Estimated tokens of every candidate.
    pub output_tokens: u64,
}

/// What the base model says: deterministic, and saying that it comes from the base model.
///
/// ```
/// use retune_model::answer::base_model_reply;
/// assert_eq!(
///     base_model_reply("gemini-2.5-flash", "Who won?"),
///     "[base model gemini-2.5-flash] No tuning data answers this question: \"Who won?\""
/// );
/// ```
pub fn base_model_reply(base_model: &str, question: &str) -> String {
    let mut shown: String = question.chars().take(200).collect();
    if shown.len() < question.len() {
        shown.push_str("...");
    }
    format!("[base model {base_model}] No tuning data answers this question: {shown:?}")
}

/// Answers `request` as `answerer` would; `base_model` names the base model for its reply.
///
/// ```
/// use retune_model::answer::{answer, AnswerIndex, Answerer, FinishReason, TrainingPair};
/// use retune_model::request::check_generate_content;
/// use retune_model::wire;
/// let index = AnswerIndex::build(vec![TrainingPair {
///     prompt: "What is the capital of France?".into(),
///     answer: "The capital of France is Paris.".into(),
/// }]);
/// let body = br#"{"contents": [{"parts": [{"text": "What is the capital of France?"}]}],
///                 "generationConfig": {"maxOutputTokens": 2}}"#;
/// let request = check_generate_content(wire::decode(body).unwrap()).unwrap();
/// let reply = answer(&request, Answerer::Tuned(&index), "gemini-2.5-flash");
/// assert!(reply.from_training);
/// assert_eq!(reply.candidates[0].text, "The capi");
/// assert_eq!(reply.candidates[0].finish_reason, FinishReason::MaxTokens);
/// ```
pub fn answer(request: &GenerateContent, answerer: Answerer<'_>, base_model: &str) -> Reply {
    let question = request.question();
    let found = match answerer {
        Answerer::Tuned(index) => index.best_match(question).map(|m| m.pair.answer.clone()),
        Answerer::Base => None,
    };
    let from_training = found.is_some();
    let raw = found.unwrap_or_else(|| base_model_reply(base_model, question));
    let candidate = shape(&raw, &request.output);
    let count = request.output.candidate_count.max(1);
    let candidates: Vec<CandidateReply> = (0..count).map(|_| candidate.clone()).collect();
    let output_tokens = candidates.iter().map(|c| estimate_tokens(&c.text)).sum();
    Reply {
        candidates,
        from_training,
        prompt_tokens: request.prompt_tokens(),
        output_tokens,
    }
}

/// Applies the output config to one answer.
fn shape(raw: &str, output: &OutputConfig) -> CandidateReply {
    let mut text = if output.json {
        wire::as_json_text(raw)
    } else {
        raw.to_owned()
    };
    if let Some(cut) = output
        .stop_sequences
        .iter()
        .filter_map(|s| text.find(s.as_str()))
        .min()
    {
        text.truncate(cut);
    }
    let mut finish_reason = FinishReason::Stop;
    if let Some(max) = output.max_output_tokens
        && estimate_tokens(&text) > max
    {
        let keep = usize::try_from(max.saturating_mul(4)).unwrap_or(usize::MAX);
        text = text.chars().take(keep).collect();
        finish_reason = FinishReason::MaxTokens;
    }
    CandidateReply {
        text,
        finish_reason,
    }
}

fn to_i32(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn model_content(text: &str) -> wire::Content {
    wire::Content {
        role: "model".to_owned(),
        parts: vec![wire::Part::text(text)],
    }
}

impl Reply {
    fn usage(&self) -> wire::UsageMetadata {
        wire::UsageMetadata {
            prompt_token_count: to_i32(self.prompt_tokens),
            candidates_token_count: to_i32(self.output_tokens),
            total_token_count: to_i32(self.prompt_tokens + self.output_tokens),
            traffic_type: "ON_DEMAND".to_owned(),
            ..wire::UsageMetadata::default()
        }
    }

    /// The whole reply as one `GenerateContentResponse`.
    pub fn to_wire(
        &self,
        model_version: &str,
        response_id: &str,
        at: Timestamp,
    ) -> wire::GenerateContentResponse {
        wire::GenerateContentResponse {
            candidates: self
                .candidates
                .iter()
                .zip(0..)
                .map(|(c, index)| wire::Candidate {
                    index,
                    content: Some(model_content(&c.text)),
                    finish_reason: c.finish_reason.as_str().to_owned(),
                    ..wire::Candidate::default()
                })
                .collect(),
            model_version: model_version.to_owned(),
            create_time: Some(at),
            response_id: response_id.to_owned(),
            usage_metadata: Some(self.usage()),
        }
    }

    /// The reply as stream chunks: each carries the next [`STREAM_CHUNK_CHARS`] characters of
    /// every candidate; the last one adds the finish reasons and the token counts (as the
    /// service does). An empty answer is one chunk.
    ///
    /// ```
    /// use retune_model::answer::{Reply, CandidateReply, FinishReason};
    /// use retune_model::Timestamp;
    /// let reply = Reply {
    ///     candidates: vec![CandidateReply { text: "x".repeat(40), finish_reason: FinishReason::Stop }],
    ///     from_training: true, prompt_tokens: 1, output_tokens: 10,
    /// };
    /// let chunks = reply.stream_chunks("m", "r", Timestamp::UNIX_EPOCH);
    /// assert_eq!(chunks.len(), 2);
    /// assert_eq!(chunks.iter().map(|c| c.text()).collect::<String>(), "x".repeat(40));
    /// assert!(chunks[0].usage_metadata.is_none() && chunks[1].usage_metadata.is_some());
    /// ```
    pub fn stream_chunks(
        &self,
        model_version: &str,
        response_id: &str,
        at: Timestamp,
    ) -> Vec<wire::GenerateContentResponse> {
        let pieces: Vec<Vec<String>> = self
            .candidates
            .iter()
            .map(|c| {
                let chars: Vec<char> = c.text.chars().collect();
                chars
                    .chunks(STREAM_CHUNK_CHARS)
                    .map(|p| p.iter().collect())
                    .collect()
            })
            .collect();
        let count = pieces.iter().map(Vec::len).max().unwrap_or(0).max(1);
        (0..count)
            .map(|i| {
                let last = i + 1 == count;
                wire::GenerateContentResponse {
                    candidates: self
                        .candidates
                        .iter()
                        .zip(&pieces)
                        .zip(0..)
                        .map(|((c, p), index)| wire::Candidate {
                            index,
                            content: Some(model_content(p.get(i).map_or("", String::as_str))),
                            finish_reason: if last {
                                c.finish_reason.as_str().to_owned()
                            } else {
                                String::new()
                            },
                            ..wire::Candidate::default()
                        })
                        .collect(),
                    model_version: model_version.to_owned(),
                    create_time: Some(at),
                    response_id: response_id.to_owned(),
                    usage_metadata: last.then(|| self.usage()),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::TrainingPair;
    use crate::request::check_generate_content;

    fn request(body: &str) -> GenerateContent {
        check_generate_content(wire::decode(body.as_bytes()).unwrap()).unwrap()
    }

    fn index() -> AnswerIndex {
        AnswerIndex::build(vec![TrainingPair {
            prompt: "What is the retune mascot?".into(),
            answer: "An otter. It swims.".into(),
        }])
    }

    #[test]
    fn the_base_model_says_it_is_the_base_model() {
        let reply = answer(
            &request(r#"{"contents": [{"parts": [{"text": "What is the retune mascot?"}]}]}"#),
            Answerer::Base,
            "gemini-2.5-flash",
        );
        assert!(!reply.from_training);
        assert!(
            reply.candidates[0]
                .text
                .starts_with("[base model gemini-2.5-flash]")
        );
    }

    #[test]
    fn stop_sequences_cut_before_the_first_one() {
        let index = index();
        let reply = answer(
            &request(
                r#"{"contents": [{"parts": [{"text": "What is the retune mascot?"}]}], "generationConfig": {"stopSequences": ["swims", "."]}}"#,
            ),
            Answerer::Tuned(&index),
            "gemini-2.5-flash",
        );
        assert_eq!(reply.candidates[0].text, "An otter");
        assert_eq!(reply.candidates[0].finish_reason, FinishReason::Stop);
    }

    #[test]
    fn candidate_count_repeats_the_answer_and_counts_its_tokens() {
        let index = index();
        let reply = answer(
            &request(
                r#"{"contents": [{"parts": [{"text": "What is the retune mascot?"}]}], "generationConfig": {"candidateCount": 3}}"#,
            ),
            Answerer::Tuned(&index),
            "gemini-2.5-flash",
        );
        assert_eq!(reply.candidates.len(), 3);
        assert_eq!(
            reply.output_tokens,
            3 * estimate_tokens("An otter. It swims.")
        );
        let wire = reply.to_wire("m", "r", Timestamp::UNIX_EPOCH);
        assert_eq!(wire.candidates[2].index, 2);
    }

    #[test]
    fn json_mime_type_answers_a_json_document() {
        let index = index();
        let reply = answer(
            &request(
                r#"{"contents": [{"parts": [{"text": "What is the retune mascot?"}]}], "generationConfig": {"responseMimeType": "application/json"}}"#,
            ),
            Answerer::Tuned(&index),
            "gemini-2.5-flash",
        );
        assert_eq!(reply.candidates[0].text, "\"An otter. It swims.\"");
    }
}
