//! GenerateContent, StreamGenerateContent and CountTokens: from the decoded request to the typed
//! [`GenerateContent`] (the conversation as text, and what shapes the answer), or every violation.

use super::{Violation, finish, violations_error};
use crate::dataset::estimate_tokens;
use crate::wire;

violations_error! {
    /// A GenerateContent (or CountTokens) request the service refuses (400).
    GenerateContentError
}

/// The most input tokens of one request: the input window of Gemini 2.5 Flash and Pro
/// (1,048,576), counted with the data-set estimator ([`estimate_tokens`]).
pub const MAX_INPUT_TOKENS: u64 = 1_048_576;

/// The most output tokens one candidate may ask for (`maxOutputTokens`, Gemini 2.5: 65,536).
pub const MAX_OUTPUT_TOKENS: u64 = 65_536;

/// The most candidates one request may ask for (`candidateCount`, 1 to 8).
pub const MAX_CANDIDATE_COUNT: u32 = 8;

/// The most stop sequences (`stopSequences`, up to 5).
pub const MAX_STOP_SEQUENCES: usize = 5;

/// The response MIME types the service accepts.
pub const RESPONSE_MIME_TYPES: &[&str] = &["text/plain", "application/json", "text/x.enum"];

/// Who speaks a turn of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Speaker {
    /// `user` (also an empty role, as the service reads a single turn).
    User,
    /// `model`.
    Model,
}

/// One turn of the conversation, as text (the text parts joined with a newline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// Who speaks.
    pub speaker: Speaker,
    /// The text parts, joined with `\n`; empty when the turn holds only media or function parts.
    pub text: String,
}

/// What shapes the answer (`generationConfig`, checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputConfig {
    /// `candidateCount` (1 when unset).
    pub candidate_count: u32,
    /// `maxOutputTokens`, if set.
    pub max_output_tokens: Option<u64>,
    /// `stopSequences`, the empty ones left out.
    pub stop_sequences: Vec<String>,
    /// `responseMimeType: application/json`.
    pub json: bool,
}

impl Default for OutputConfig {
    fn default() -> OutputConfig {
        OutputConfig {
            candidate_count: 1,
            max_output_tokens: None,
            stop_sequences: Vec::new(),
            json: false,
        }
    }
}

/// A checked GenerateContent request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateContent {
    /// The system instruction's text, if any.
    pub system_instruction: Option<String>,
    /// The conversation, never empty, the last turn from the user.
    pub turns: Vec<Turn>,
    /// What shapes the answer.
    pub output: OutputConfig,
}

impl GenerateContent {
    /// The last user turn's text: what the model answers.
    pub fn question(&self) -> &str {
        self.turns
            .iter()
            .rev()
            .find(|t| t.speaker == Speaker::User)
            .map_or("", |t| t.text.as_str())
    }

    /// Input tokens: the system instruction and every turn, each text estimated with
    /// [`estimate_tokens`] as the data-set statistics are.
    pub fn prompt_tokens(&self) -> u64 {
        self.system_instruction
            .as_deref()
            .map_or(0, estimate_tokens)
            + self
                .turns
                .iter()
                .map(|t| estimate_tokens(&t.text))
                .sum::<u64>()
    }

    /// Characters of every text (CountTokens' `totalBillableCharacters`).
    pub fn prompt_characters(&self) -> u64 {
        self.system_instruction
            .iter()
            .map(String::as_str)
            .chain(self.turns.iter().map(|t| t.text.as_str()))
            .map(|t| t.chars().count() as u64)
            .sum()
    }
}

/// Checks a GenerateContent body: every violation, with its snake_case field path.
///
/// - `contents` must hold at least one turn, the last from `user`; a role is `user`, `model` or
///   empty (read as `user`); every turn has parts, and every part has data;
/// - all the text together stays within [`MAX_INPUT_TOKENS`] (the part that crosses it is named);
/// - `cached_content` is refused: the emulator keeps no context cache;
/// - `generation_config`: `candidate_count` 1 to [`MAX_CANDIDATE_COUNT`], `max_output_tokens` 1 to
///   [`MAX_OUTPUT_TOKENS`], at most [`MAX_STOP_SEQUENCES`] stop sequences, `temperature` 0 to 2,
///   `top_p` 0 to 1, `response_mime_type` one of [`RESPONSE_MIME_TYPES`].
///
/// ```
/// use retune_model::request::check_generate_content;
/// use retune_model::wire;
/// let body = br#"{"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}"#;
/// let request = check_generate_content(wire::decode(body).unwrap()).unwrap();
/// assert_eq!(request.question(), "hi");
/// let bad = br#"{"contents": [{"role": "system", "parts": [{"text": "hi"}]}]}"#;
/// let err = check_generate_content(wire::decode(bad).unwrap()).unwrap_err();
/// assert_eq!(err.violations()[0].field, "contents[0].role");
/// ```
pub fn check_generate_content(
    request: wire::GenerateContentRequest,
) -> Result<GenerateContent, GenerateContentError> {
    let mut violations = Vec::new();
    let mut budget = Budget::default();
    let system_instruction = request
        .system_instruction
        .as_ref()
        .map(|c| content_text(c, "system_instruction", &mut budget, &mut violations));
    let turns = check_contents(&request.contents, &mut budget, &mut violations);
    if !request.cached_content.is_empty() {
        violations.push(Violation::invalid(
            "cached_content",
            format!(
                "cachedContent {:?} is not supported by the emulator: it keeps no context cache; \
                 send the contents instead.",
                request.cached_content
            ),
        ));
    }
    let output = check_generation_config(request.generation_config.as_ref(), &mut violations);
    finish(
        violations,
        || GenerateContent {
            system_instruction,
            turns,
            output,
        },
        GenerateContentError::new,
    )
}

/// Checks a CountTokens body: `contents` as for GenerateContent (the last turn may come from
/// either side), `instances` refused (the emulator counts Gemini contents only).
///
/// ```
/// use retune_model::request::check_count_tokens;
/// use retune_model::wire;
/// let body = br#"{"contents": [{"parts": [{"text": "abcdefgh"}]}]}"#;
/// assert_eq!(check_count_tokens(wire::decode(body).unwrap()).unwrap().prompt_tokens(), 2);
/// let err = check_count_tokens(wire::decode(b"{}").unwrap()).unwrap_err();
/// assert_eq!(err.violations()[0].field, "contents");
/// ```
pub fn check_count_tokens(
    request: wire::CountTokensRequest,
) -> Result<GenerateContent, GenerateContentError> {
    let mut violations = Vec::new();
    let mut budget = Budget::default();
    if !request.instances.is_empty() {
        violations.push(Violation::invalid(
            "instances",
            "instances are not supported by the emulator: send contents.",
        ));
    }
    let system_instruction = request
        .system_instruction
        .as_ref()
        .map(|c| content_text(c, "system_instruction", &mut budget, &mut violations));
    let mut turns = Vec::new();
    if request.contents.is_empty() {
        violations.push(empty_contents());
    }
    for (i, content) in request.contents.iter().enumerate() {
        let field = format!("contents[{i}]");
        let speaker = speaker(&content.role, &field, &mut violations);
        let text = content_text(content, &field, &mut budget, &mut violations);
        turns.push(Turn { speaker, text });
    }
    let output = check_generation_config(request.generation_config.as_ref(), &mut violations);
    finish(
        violations,
        || GenerateContent {
            system_instruction,
            turns,
            output,
        },
        GenerateContentError::new,
    )
}

fn empty_contents() -> Violation {
    Violation::invalid(
        "contents",
        "contents must hold at least one turn: the question, from role \"user\".",
    )
}

fn check_contents(
    contents: &[wire::Content],
    budget: &mut Budget,
    violations: &mut Vec<Violation>,
) -> Vec<Turn> {
    if contents.is_empty() {
        violations.push(empty_contents());
        return Vec::new();
    }
    let mut turns = Vec::with_capacity(contents.len());
    for (i, content) in contents.iter().enumerate() {
        let field = format!("contents[{i}]");
        let speaker = speaker(&content.role, &field, violations);
        let text = content_text(content, &field, budget, violations);
        turns.push(Turn { speaker, text });
    }
    let last = contents.len() - 1;
    if turns[last].speaker == Speaker::Model && !contents[last].role.is_empty() {
        violations.push(Violation::invalid(
            format!("contents[{last}].role"),
            "The last turn of contents must come from role \"user\": it is the question.",
        ));
    }
    turns
}

fn speaker(role: &str, field: &str, violations: &mut Vec<Violation>) -> Speaker {
    match role {
        "" | "user" => Speaker::User,
        "model" => Speaker::Model,
        other => {
            violations.push(Violation::invalid(
                format!("{field}.role"),
                format!("Role {other:?} is not valid: a turn's role is \"user\" or \"model\"."),
            ));
            Speaker::User
        }
    }
}

/// Input tokens counted so far; the part that crosses [`MAX_INPUT_TOKENS`] is named once.
#[derive(Debug, Default)]
struct Budget {
    tokens: u64,
    exceeded: bool,
}

fn content_text(
    content: &wire::Content,
    field: &str,
    budget: &mut Budget,
    violations: &mut Vec<Violation>,
) -> String {
    if content.parts.is_empty() {
        violations.push(Violation::invalid(
            format!("{field}.parts"),
            "A turn must hold at least one part.",
        ));
    }
    let mut texts = Vec::new();
    for (j, part) in content.parts.iter().enumerate() {
        let part_field = format!("{field}.parts[{j}]");
        if *part == wire::Part::default() {
            violations.push(Violation::invalid(
                part_field.clone(),
                "A part must carry data: text, inlineData, fileData, functionCall or \
                 functionResponse.",
            ));
        }
        if !part.text.is_empty() {
            let text = &part.text;
            budget.tokens += estimate_tokens(text);
            if budget.tokens > MAX_INPUT_TOKENS && !budget.exceeded {
                budget.exceeded = true;
                violations.push(Violation::invalid(
                    format!("{part_field}.text"),
                    format!(
                        "The input token count exceeds the maximum number of tokens allowed \
                         ({MAX_INPUT_TOKENS}): {} tokens up to this text.",
                        budget.tokens
                    ),
                ));
            }
            texts.push(text.as_str());
        }
    }
    texts.join("\n")
}

fn check_generation_config(
    config: Option<&wire::GenerationConfig>,
    violations: &mut Vec<Violation>,
) -> OutputConfig {
    let mut output = OutputConfig::default();
    let Some(config) = config else {
        return output;
    };
    let field = |name: &str| format!("generation_config.{name}");
    if let Some(n) = config.candidate_count {
        match u32::try_from(n) {
            Ok(n) if (1..=MAX_CANDIDATE_COUNT).contains(&n) => output.candidate_count = n,
            _ => violations.push(Violation::invalid(
                field("candidate_count"),
                format!("candidateCount {n} is out of range: it is 1 to {MAX_CANDIDATE_COUNT}."),
            )),
        }
    }
    if let Some(n) = config.max_output_tokens {
        match u64::try_from(n) {
            Ok(n) if (1..=MAX_OUTPUT_TOKENS).contains(&n) => output.max_output_tokens = Some(n),
            _ => violations.push(Violation::invalid(
                field("max_output_tokens"),
                format!("maxOutputTokens {n} is out of range: it is 1 to {MAX_OUTPUT_TOKENS}."),
            )),
        }
    }
    if config.stop_sequences.len() > MAX_STOP_SEQUENCES {
        violations.push(Violation::invalid(
            field("stop_sequences"),
            format!(
                "{} stop sequences were given; at most {MAX_STOP_SEQUENCES} are allowed.",
                config.stop_sequences.len()
            ),
        ));
    }
    output.stop_sequences = config
        .stop_sequences
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect();
    let range = |name: &str, value: Option<f64>, max: f64, violations: &mut Vec<Violation>| {
        if let Some(v) = value
            && !(0.0..=max).contains(&v)
        {
            violations.push(Violation::invalid(
                field(name),
                format!("{name} {v} is out of range: it is 0 to {max}."),
            ));
        }
    };
    range("temperature", config.temperature, 2.0, violations);
    range("top_p", config.top_p, 1.0, violations);
    match config.response_mime_type.as_str() {
        "" => {}
        mime if RESPONSE_MIME_TYPES.contains(&mime) => {
            output.json = mime == "application/json";
        }
        other => violations.push(Violation::invalid(
            field("response_mime_type"),
            format!(
                "responseMimeType {other:?} is not supported: use one of {}.",
                RESPONSE_MIME_TYPES.join(", ")
            ),
        )),
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(body: &str) -> Result<GenerateContent, GenerateContentError> {
        check_generate_content(wire::decode(body.as_bytes()).unwrap())
    }

    fn fields(body: &str) -> Vec<String> {
        check(body)
            .unwrap_err()
            .violations()
            .iter()
            .map(|v| v.field.clone())
            .collect()
    }

    #[test]
    fn empty_contents_name_contents() {
        assert_eq!(fields(r#"{"contents": []}"#), ["contents"]);
    }

    #[test]
    fn a_role_other_than_user_or_model_names_its_turn() {
        assert_eq!(
            fields(
                r#"{"contents": [{"role": "user", "parts": [{"text": "a"}]}, {"role": "model", "parts": [{"text": "b"}]}, {"role": "tool", "parts": [{"text": "c"}]}]}"#
            ),
            ["contents[2].role"]
        );
    }

    #[test]
    fn a_last_turn_from_the_model_is_refused() {
        assert_eq!(
            fields(
                r#"{"contents": [{"role": "user", "parts": [{"text": "a"}]}, {"role": "model", "parts": [{"text": "b"}]}]}"#
            ),
            ["contents[1].role"]
        );
    }

    #[test]
    fn text_over_the_input_limit_names_the_part_that_crosses_it() {
        let big = "x".repeat(usize::try_from(MAX_INPUT_TOKENS).unwrap() * 4 + 1);
        let body = format!(
            r#"{{"contents": [{{"parts": [{{"text": "hi"}}]}}, {{"role": "model", "parts": [{{"text": "ok"}}]}}, {{"role": "user", "parts": [{{"text": "{big}"}}]}}]}}"#
        );
        assert_eq!(fields(&body), ["contents[2].parts[0].text"]);
    }

    #[test]
    fn cached_content_is_refused_by_name() {
        assert_eq!(
            fields(
                r#"{"contents": [{"parts": [{"text": "a"}]}], "cachedContent": "projects/p/locations/l/cachedContents/1"}"#
            ),
            ["cached_content"]
        );
    }

    #[test]
    fn every_bad_generation_config_member_is_reported() {
        assert_eq!(
            fields(
                r#"{"contents": [{"parts": [{"text": "a"}]}], "generationConfig": {"candidateCount": 9, "maxOutputTokens": 0, "temperature": 3, "responseMimeType": "text/html"}}"#
            ),
            [
                "generation_config.candidate_count",
                "generation_config.max_output_tokens",
                "generation_config.temperature",
                "generation_config.response_mime_type"
            ]
        );
    }

    #[test]
    fn a_wrong_typed_field_is_a_wire_error_naming_it() {
        let err = wire::decode::<wire::GenerateContentRequest>(br#"{"contents": [{"role": 3}]}"#)
            .unwrap_err();
        assert_eq!(err.field(), "contents[0].role");
    }

    #[test]
    fn multi_turn_asks_the_last_user_turn() {
        let request = check(r#"{"systemInstruction": {"parts": [{"text": "be brief"}]}, "contents": [{"role": "user", "parts": [{"text": "first"}]}, {"role": "model", "parts": [{"text": "answer"}]}, {"role": "user", "parts": [{"text": "second"}, {"text": "part"}]}]}"#).unwrap();
        assert_eq!(request.question(), "second\npart");
        assert_eq!(request.system_instruction.as_deref(), Some("be brief"));
        assert_eq!(request.prompt_tokens(), 2 + 2 + 2 + 3);
    }

    proptest! {
        #[test]
        fn any_role_outside_user_and_model_is_refused(role in "[a-z]{1,8}") {
            prop_assume!(role != "user" && role != "model");
            let body = format!(r#"{{"contents": [{{"role": "{role}", "parts": [{{"text": "a"}}]}}]}}"#);
            prop_assert_eq!(fields(&body), vec!["contents[0].role".to_owned()]);
        }

        #[test]
        fn any_user_text_within_the_limit_is_the_question(text in "[a-zA-Z0-9 ?]{1,200}") {
            let body = serde_json::json!({"contents": [{"parts": [{"text": text}]}]}).to_string();
            let request = check(&body).unwrap();
            prop_assert_eq!(request.question(), text.as_str());
        }
    }
}
