//! The preference-tuning example (`{systemInstruction, contents, completions}`), its parser, the
//! check of a whole preference data set and its statistics (`preferenceOptimizationDataStats`).
//!
//! # What a line must look like
//!
//! ```json
//! {"systemInstruction": {"parts": [{"text": "You are a chat bot."}]},
//!  "contents": [{"role": "user", "parts": [{"text": "What is my favorite fruit?"}]}],
//!  "completions": [
//!    {"score": 1, "completion": {"role": "model", "parts": [{"text": "Apple!"}]}},
//!    {"score": 0, "completion": {"role": "model", "parts": [{"text": "Your favorite fruit is apple."}]}}]}
//! ```
//!
//! Source: Vertex AI documentation, "Prepare preference tuning data for Gemini models".
//!
//! - Keys: `contents` and `completions` (required), `systemInstruction` and `tools` (optional,
//!   `tools` ignored); any other key is rejected. camelCase and snake_case are both accepted, as
//!   in the supervised format ([`super::parse_example`]).
//! - `contents` follows the supervised rules except that its **last turn must come from `user`**:
//!   the completions answer it.
//! - `completions` holds **exactly two** entries `{score, completion}`: the documentation says
//!   "a pair of completions", one preferred and one dispreferred.
//! - `score` is a JSON number, **0** (dispreferred) or **1** (preferred), "the only possible
//!   value"; the two scores differ. `1.0` and `0.0` are accepted (JSON does not tell them apart
//!   from `1` and `0`).
//! - `completion` is one turn `{role, parts}`; its role is `model` (or left out, read as `model`).
//! - Text only: "It doesn't support multi-modal data", so `fileData` and `inlineData` parts are
//!   rejected.
//! - Tokens: the input plus the **longer** completion stay within the per-example limit ("the sum
//!   of maximum input and maximum completion token counts must be <= 128K").

use serde_json::Value;

use super::example::{
    CONTENT_KEYS, CONTENTS, Key, PARTS, Parser, ROLE, SYSTEM_INSTRUCTION, TOOLS, invalid_json,
    join, key,
};
use super::stats::estimate_tokens;
use super::{
    Content, DatasetError, DatasetErrorKind, DatasetKind, DatasetLimits, DatasetReport,
    Distribution, Example, LineWalk, Measured, Part, Role, USER_DATASET_EXAMPLE_COUNT, walk_lines,
};

/// One preference-tuning example: one line of the JSONL file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferenceExample {
    /// The parts of `systemInstruction`, if any.
    pub system_instruction: Option<Vec<Part>>,
    /// The prompt: turns ending with a [`Role::User`] turn.
    pub contents: Vec<Content>,
    /// The preferred completion (score 1): a [`Role::Model`] turn.
    pub preferred: Content,
    /// The dispreferred completion (score 0): a [`Role::Model`] turn.
    pub dispreferred: Content,
    /// The scores in the order the completions were given (each 0 or 1).
    pub scores: [u8; 2],
}

impl PreferenceExample {
    /// The prompt answered by the preferred completion, as a supervised example (the last user
    /// turn followed by the preferred model turn): what a model tuned on this data answers.
    ///
    /// ```
    /// use retune_model::dataset::{parse_preference_example, Role};
    /// let example = parse_preference_example(1, r#"{"contents": [{"role": "user", "parts": [{"text": "fruit?"}]}],
    ///     "completions": [{"score": 0, "completion": {"role": "model", "parts": [{"text": "pear"}]}},
    ///                     {"score": 1, "completion": {"role": "model", "parts": [{"text": "apple"}]}}]}"#).unwrap();
    /// let pair = example.preferred_example();
    /// assert_eq!(pair.contents.len(), 2);
    /// assert_eq!(pair.contents[1].role, Role::Model);
    /// assert_eq!(pair.contents[1].parts[0].as_text(), Some("apple"));
    /// ```
    pub fn preferred_example(&self) -> Example {
        let mut contents = self.contents.clone();
        contents.push(self.preferred.clone());
        Example {
            system_instruction: self.system_instruction.clone(),
            contents,
        }
    }

    /// Estimated input tokens: the system instruction and the turns of `contents`.
    pub fn input_token_estimate(&self) -> u64 {
        self.system_instruction.as_deref().map_or(0, parts_tokens)
            + self
                .contents
                .iter()
                .map(|turn| parts_tokens(&turn.parts))
                .sum::<u64>()
    }

    /// Estimated output tokens: both completions.
    pub fn output_token_estimate(&self) -> u64 {
        parts_tokens(&self.preferred.parts) + parts_tokens(&self.dispreferred.parts)
    }

    fn longest_completion_tokens(&self) -> u64 {
        parts_tokens(&self.preferred.parts).max(parts_tokens(&self.dispreferred.parts))
    }
}

impl Measured for PreferenceExample {
    fn limited_tokens(&self) -> u64 {
        self.input_token_estimate() + self.longest_completion_tokens()
    }

    fn has_media(&self) -> bool {
        false
    }
}

fn parts_tokens(parts: &[Part]) -> u64 {
    parts
        .iter()
        .filter_map(Part::as_text)
        .map(estimate_tokens)
        .sum()
}

const COMPLETIONS: Key = key("completions");
const SCORE: Key = key("score");
const COMPLETION: Key = key("completion");
const EXAMPLE_KEYS: &[Key] = &[CONTENTS, SYSTEM_INSTRUCTION, TOOLS, COMPLETIONS];
const COMPLETION_KEYS: &[Key] = &[SCORE, COMPLETION];

/// Parses one JSONL line of a preference data set, or returns the first problem on it (with its
/// line and field). The rules: the keys `contents` and `completions` (required),
/// `systemInstruction` and `tools`; `contents` ends with a `user` turn; `completions` holds exactly
/// two `{score, completion}` entries, one scored 1 (preferred) and one 0, each a `model` turn;
/// text only; the input plus the longer completion within the per-example token limit.
///
/// ```
/// use retune_model::dataset::parse_preference_example;
/// let error = parse_preference_example(4, r#"{"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
///     "completions": [{"score": "1", "completion": {"role": "model", "parts": [{"text": "hello"}]}},
///                     {"score": 0, "completion": {"role": "model", "parts": [{"text": "go away"}]}}]}"#).unwrap_err();
/// assert_eq!(error.to_string(), "line 4: completions[0].score: expected a number, found a string");
/// ```
pub fn parse_preference_example(
    line_number: usize,
    line: &str,
) -> Result<PreferenceExample, DatasetError> {
    let value: Value = serde_json::from_str(line)
        .map_err(|error| DatasetError::at_line(line_number, invalid_json(&error)))?;
    let parser = Parser { line: line_number };
    let object = parser.object(&value, "")?;
    parser.only_keys(object, EXAMPLE_KEYS)?;
    let system_instruction = match parser.get(object, SYSTEM_INSTRUCTION)? {
        Some((path, value)) => Some(parser.system_instruction(value, &path)?),
        None => None,
    };
    let (path, contents) = parser.require(object, CONTENTS)?;
    let contents = parser.contents(contents, &path, Role::User)?;
    let (path, completions) = parser.require(object, COMPLETIONS)?;
    let items = parser.non_empty_array(completions, &path)?;
    let [first, second] = items else {
        let kind = DatasetErrorKind::CompletionCount { found: items.len() };
        return Err(parser.error(&path, kind));
    };
    let (first_score, first) = completion(parser, first, &format!("{path}[0]"))?;
    let (second_score, second) = completion(parser, second, &format!("{path}[1]"))?;
    let (preferred, dispreferred) = match (first_score, second_score) {
        (1, 0) => (first, second),
        (0, 1) => (second, first),
        (score, _) => {
            let kind = DatasetErrorKind::SameScores { score };
            return Err(parser.error(&format!("{path}[1].{}", SCORE.camel), kind));
        }
    };
    let example = PreferenceExample {
        system_instruction,
        contents,
        preferred,
        dispreferred,
        scores: [first_score, second_score],
    };
    reject_media(parser, &example)?;
    Ok(example)
}

/// One `{score, completion}` entry.
fn completion(parser: Parser, value: &Value, path: &str) -> Result<(u8, Content), DatasetError> {
    let object = parser.object(value, path)?;
    parser.only_keys(object, COMPLETION_KEYS)?;
    let (score_path, score) = parser.require(object, SCORE)?;
    let score = match score {
        Value::Number(n) if n.as_f64() == Some(1.0) => 1,
        Value::Number(n) if n.as_f64() == Some(0.0) => 0,
        Value::Number(n) => {
            let kind = DatasetErrorKind::InvalidScore {
                score: n.to_string(),
            };
            return Err(parser.error(&score_path, kind));
        }
        other => return Err(parser.wrong_type(&score_path, "a number", other)),
    };
    let (turn_path, turn) = parser.require(object, COMPLETION)?;
    let turn_object = parser.object(turn, &turn_path)?;
    parser.only_keys(turn_object, CONTENT_KEYS)?;
    if let Some((role_path, role)) = parser.get(turn_object, ROLE)? {
        match parser.string(role, &role_path)? {
            "model" | "" => {}
            "user" => {
                let kind = DatasetErrorKind::CompletionNotModel { role: Role::User };
                return Err(parser.error(&role_path, kind));
            }
            other => {
                let kind = DatasetErrorKind::InvalidRole {
                    role: other.to_owned(),
                };
                return Err(parser.error(&role_path, kind));
            }
        }
    }
    let (parts_path, parts) = parser.require(turn_object, PARTS)?;
    let parts = parser.parts(parts, &parts_path)?;
    Ok((
        score,
        Content {
            role: Role::Model,
            parts,
        },
    ))
}

fn reject_media(parser: Parser, example: &PreferenceExample) -> Result<(), DatasetError> {
    let turns = example
        .contents
        .iter()
        .enumerate()
        .map(|(i, turn)| (format!("{}[{i}]", CONTENTS.camel), &turn.parts));
    let system = example
        .system_instruction
        .iter()
        .map(|parts| (SYSTEM_INSTRUCTION.camel.to_owned(), parts));
    let completions = example.scores.iter().enumerate().map(|(i, &score)| {
        let turn = if score == 1 {
            &example.preferred
        } else {
            &example.dispreferred
        };
        let path = format!("{}[{i}].{}", COMPLETIONS.camel, COMPLETION.camel);
        (path, &turn.parts)
    });
    for (path, parts) in system.chain(turns).chain(completions) {
        if let Some(part) = parts.iter().find(|p| p.is_media()) {
            let kind = match part {
                Part::FileData { .. } => "fileData",
                _ => "inlineData",
            };
            let field = join(&path, PARTS.camel);
            return Err(parser.error(&field, DatasetErrorKind::MediaInPreference { kind }));
        }
    }
    Ok(())
}

/// Statistics of a preference data set, as the service reports them
/// (`tuningDataStats.preferenceOptimizationDataStats`).
#[derive(Debug, Clone, PartialEq)]
pub struct PreferenceOptimizationDataStats {
    /// Valid examples.
    pub tuning_dataset_example_count: u64,
    /// Estimated billable tokens: every input and both completions.
    pub total_billable_token_count: u64,
    /// Steps of the job; 0 until the caller sets it.
    pub tuning_step_count: u64,
    /// The first [`USER_DATASET_EXAMPLE_COUNT`] examples.
    pub user_dataset_examples: Vec<PreferenceExample>,
    /// Input tokens per example.
    pub user_input_token_distribution: Distribution,
    /// Output tokens (both completions) per example.
    pub user_output_token_distribution: Distribution,
    /// Every score given (two per example).
    pub scores_distribution: Distribution,
}

impl PreferenceOptimizationDataStats {
    /// The same statistics with `tuning_step_count` set.
    pub fn with_tuning_step_count(mut self, steps: u64) -> PreferenceOptimizationDataStats {
        self.tuning_step_count = steps;
        self
    }
}

/// The outcome of [`validate_preference_dataset`]: errors as in [`DatasetReport`], and the
/// statistics of the valid examples.
#[derive(Debug, Clone, PartialEq)]
pub struct PreferenceDatasetReport {
    /// Non-blank lines, valid or not.
    pub example_count: usize,
    /// The first [`super::MAX_REPORTED_ERRORS`] errors: whole-file errors first, then by line.
    pub errors: Vec<DatasetError>,
    /// How many errors there are in all.
    pub error_count: usize,
    /// Statistics over the valid examples.
    pub stats: PreferenceOptimizationDataStats,
    /// The preferred pair of each valid example ([`PreferenceExample::preferred_example`]), in
    /// file order.
    pub preferred: Vec<Example>,
    /// Statistics of the preferred pairs as a supervised data set.
    pub preferred_stats: super::SupervisedTuningDataStats,
}

impl PreferenceDatasetReport {
    /// True when the data set has no error at all.
    pub fn is_valid(&self) -> bool {
        self.error_count == 0
    }

    /// The report in the supervised shape (statistics of the preferred pairs), for callers that
    /// show either kind.
    pub fn as_supervised(&self) -> DatasetReport {
        DatasetReport {
            example_count: self.example_count,
            errors: self.errors.clone(),
            error_count: self.error_count,
            stats: self.preferred_stats.clone(),
            examples: self.preferred.clone(),
        }
    }
}

/// Checks a whole preference JSONL data set line by line, like [`super::validate_dataset`] does
/// for supervised data, and computes statistics over its valid examples.
///
/// ```
/// use retune_model::dataset::{validate_preference_dataset, DatasetKind, DatasetLimits};
/// let text = concat!(
///     r#"{"contents": [{"role": "user", "parts": [{"text": "fruit?"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "apple"}]}}, {"score": 0, "completion": {"role": "model", "parts": [{"text": "pear"}]}}]}"#,
///     "\n",
///     r#"{"contents": [{"role": "user", "parts": [{"text": "fruit?"}]}]}"#,
///     "\n",
/// );
/// let report = validate_preference_dataset(text, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
/// assert_eq!(report.error_count, 1);
/// assert_eq!(report.errors[0].to_string(), "line 2: completions: `completions` is required");
/// assert_eq!(report.stats.tuning_dataset_example_count, 1);
/// ```
pub fn validate_preference_dataset(
    text: &str,
    kind: DatasetKind,
    limits: &DatasetLimits,
) -> PreferenceDatasetReport {
    let mut examples = Vec::new();
    let LineWalk {
        example_count,
        errors,
        error_count,
    } = walk_lines(text, kind, limits, parse_preference_example, |example| {
        examples.push(example);
    });
    let preferred: Vec<Example> = examples
        .iter()
        .map(PreferenceExample::preferred_example)
        .collect();
    let preferred_stats = super::compute_stats(&preferred, limits);
    let input: Vec<u64> = examples
        .iter()
        .map(PreferenceExample::input_token_estimate)
        .collect();
    let output: Vec<u64> = examples
        .iter()
        .map(PreferenceExample::output_token_estimate)
        .collect();
    let scores: Vec<u64> = examples
        .iter()
        .flat_map(|e| e.scores.map(u64::from))
        .collect();
    let stats = PreferenceOptimizationDataStats {
        tuning_dataset_example_count: examples.len() as u64,
        total_billable_token_count: input.iter().chain(&output).sum(),
        tuning_step_count: 0,
        user_dataset_examples: examples
            .iter()
            .take(USER_DATASET_EXAMPLE_COUNT)
            .cloned()
            .collect(),
        user_input_token_distribution: Distribution::from_values(&input),
        user_output_token_distribution: Distribution::from_values(&output),
        scores_distribution: Distribution::from_values(&scores),
    };
    PreferenceDatasetReport {
        example_count,
        errors,
        error_count,
        stats,
        preferred,
        preferred_stats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPT: &str = r#"[{"role": "user", "parts": [{"text": "fruit?"}]}]"#;

    fn line(contents: &str, completions: &str) -> String {
        format!(r#"{{"contents": {contents}, "completions": {completions}}}"#)
    }

    fn pair(first: &str, second: &str) -> String {
        format!(
            r#"[{{"score": {first}, "completion": {{"role": "model", "parts": [{{"text": "apple"}}]}}}}, {{"score": {second}, "completion": {{"role": "model", "parts": [{{"text": "pear"}}]}}}}]"#
        )
    }

    fn error(text: &str) -> String {
        parse_preference_example(3, text).unwrap_err().to_string()
    }

    #[test]
    fn a_line_without_completions_names_the_field() {
        assert_eq!(
            error(&format!(r#"{{"contents": {PROMPT}}}"#)),
            "line 3: completions: `completions` is required"
        );
    }

    #[test]
    fn a_score_that_is_not_a_number_names_the_score() {
        assert_eq!(
            error(&line(PROMPT, &pair(r#""high""#, "0"))),
            "line 3: completions[0].score: expected a number, found a string"
        );
    }

    #[test]
    fn a_last_turn_from_the_model_is_refused() {
        let contents = r#"[{"role": "user", "parts": [{"text": "fruit?"}]}, {"role": "model", "parts": [{"text": "apple"}]}]"#;
        assert_eq!(
            error(&line(contents, &pair("1", "0"))),
            "line 3: contents[1].role: the last turn must come from `user`, found `model`; the \
             completions answer it"
        );
    }

    #[test]
    fn scores_must_be_one_preferred_and_one_dispreferred() {
        assert!(error(&line(PROMPT, &pair("1", "1"))).starts_with("line 3: completions[1].score"));
        assert!(error(&line(PROMPT, &pair("0.5", "0"))).contains("found 0.5"));
        let one = r#"[{"score": 1, "completion": {"role": "model", "parts": [{"text": "a"}]}}]"#;
        assert!(error(&line(PROMPT, one)).contains("found 1"));
    }

    #[test]
    fn the_preferred_completion_is_found_in_either_order() {
        let example = parse_preference_example(1, &line(PROMPT, &pair("0.0", "1.0"))).unwrap();
        assert_eq!(example.preferred.parts[0].as_text(), Some("pear"));
        assert_eq!(example.scores, [0, 1]);
    }

    #[test]
    fn media_is_refused() {
        let contents = r#"[{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://b/c.png"}}]}]"#;
        assert_eq!(
            error(&line(contents, &pair("1", "0"))),
            "line 3: contents[0].parts: preference tuning takes text only; found fileData"
        );
    }

    #[test]
    fn statistics_count_scores_and_both_completions() {
        let text = [line(PROMPT, &pair("1", "0")), line(PROMPT, &pair("0", "1"))].join("\n");
        let report =
            validate_preference_dataset(&text, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
        assert!(report.is_valid());
        assert_eq!(report.stats.tuning_dataset_example_count, 2);
        assert_eq!(report.stats.scores_distribution.sum, 2);
        assert_eq!(report.stats.user_dataset_examples.len(), 2);
        assert_eq!(report.preferred.len(), 2);
        assert_eq!(
            report.stats.total_billable_token_count,
            report.stats.user_input_token_distribution.sum as u64
                + report.stats.user_output_token_distribution.sum as u64
        );
    }

    fn json_string(text: &str) -> String {
        serde_json::Value::String(text.to_owned()).to_string()
    }

    fn scored(score: &str, text: &str) -> String {
        format!(
            r#"{{"score": {score}, "completion": {{"role": "model", "parts": [{{"text": {}}}]}}}}"#,
            json_string(text)
        )
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_every_line_is_counted(text in "\\PC*(\n\\PC*){0,4}") {
            let report = validate_preference_dataset(&text, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
            proptest::prop_assert!(report.errors.len() <= report.error_count);
            proptest::prop_assert_eq!(
                report.example_count,
                text.lines().filter(|line| !line.trim().is_empty()).count()
            );
            proptest::prop_assert_eq!(report.preferred.len() as u64, report.stats.tuning_dataset_example_count);
        }

        #[test]
        fn a_well_formed_line_keeps_its_preferred_completion_in_either_order(
            prompt in "[a-z][a-z ]{0,39}",
            good in "[a-z][a-z ]{0,39}",
            bad in "[a-z][a-z ]{0,39}",
            preferred_first: bool,
        ) {
            let completions = if preferred_first {
                format!("[{}, {}]", scored("1", &good), scored("0", &bad))
            } else {
                format!("[{}, {}]", scored("0.0", &bad), scored("1.0", &good))
            };
            let contents = format!(r#"[{{"role": "user", "parts": [{{"text": {}}}]}}]"#, json_string(&prompt));
            let example = parse_preference_example(1, &line(&contents, &completions))
                .unwrap_or_else(|error| panic!("a well-formed line is refused: {error}"));
            proptest::prop_assert_eq!(example.preferred.parts[0].as_text(), Some(good.as_str()));
            proptest::prop_assert_eq!(example.dispreferred.parts[0].as_text(), Some(bad.as_str()));
            let pair = example.preferred_example();
            proptest::prop_assert_eq!(pair.contents.last().map(|turn| turn.role), Some(Role::Model));
            proptest::prop_assert_eq!(pair.contents.first().map(|turn| turn.role), Some(Role::User));
        }

        #[test]
        fn scores_other_than_one_preferred_and_one_dispreferred_are_refused_on_their_line(
            first in -3i64..4,
            second in -3i64..4,
            line_number in 1usize..10_000,
        ) {
            proptest::prop_assume!(!matches!((first, second), (1, 0) | (0, 1)));
            let text = line(PROMPT, &pair(&first.to_string(), &second.to_string()));
            let error = parse_preference_example(line_number, &text)
                .expect_err("scores other than 1 and 0 are refused");
            proptest::prop_assert_eq!(error.line(), Some(line_number));
            proptest::prop_assert!(error.to_string().contains("completions["), "{}", error);
        }
    }
}
