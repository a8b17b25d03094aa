//! The retrieval index of a tuned version: every training pair on its lineage, ranked with BM25
//! (the `bm25` crate's embedder and scorer, English stemming and stop words).
//!
//! Built once, when the job that made the version succeeds, from the examples the job read and
//! the index of the version (or checkpoint) it continued from; never per request.

use std::collections::HashMap;
use std::fmt;

use bm25::{Embedder, EmbedderBuilder, Language, Scorer};

use crate::dataset::{Example, Part, Role};

/// The least share of the question's terms (after stemming and stop words) that a training
/// prompt must contain to answer it: among the prompts that do, the best BM25 score answers; when
/// none does, the base model answers.
///
/// The emulator's choice. BM25 scores grow with the corpus (through the inverse document
/// frequency), so the bar is put on term coverage, which means the same at every corpus size:
/// with 0.6, "capital of France" does not match "capital of Peru" (1 of 2 terms) but does match
/// "What is the capital of France?" (2 of 2).
pub const MIN_TERM_COVERAGE: f32 = 0.6;

/// One training pair: a user turn and the model turn that follows it in a training example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingPair {
    /// The user turn's text parts, joined with `\n`.
    pub prompt: String,
    /// The model turn's text parts, joined with `\n`.
    pub answer: String,
}

impl TrainingPair {
    /// Every pair of an example: each model turn with the user turn just before it (a
    /// multi-turn example gives several). Turns without text are skipped; the example's system
    /// instruction is not indexed.
    ///
    /// ```
    /// use retune_model::answer::TrainingPair;
    /// use retune_model::dataset::parse_example;
    /// let example = parse_example(1, r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]},
    ///     {"role": "model", "parts": [{"text": "Hello"}]}]}"#).unwrap();
    /// assert_eq!(TrainingPair::from_example(&example)[0].answer, "Hello");
    /// ```
    pub fn from_example(example: &Example) -> Vec<TrainingPair> {
        let mut pairs = Vec::new();
        let mut prompt: Option<String> = None;
        for content in &example.contents {
            let text = joined_text(&content.parts);
            match content.role {
                Role::User => prompt = Some(text),
                Role::Model => {
                    if let Some(prompt) = prompt.take()
                        && !prompt.is_empty()
                        && !text.is_empty()
                    {
                        pairs.push(TrainingPair {
                            prompt,
                            answer: text,
                        });
                    }
                }
            }
        }
        pairs
    }

    /// Every pair of every example, in order.
    pub fn from_examples(examples: &[Example]) -> Vec<TrainingPair> {
        examples
            .iter()
            .flat_map(TrainingPair::from_example)
            .collect()
    }
}

fn joined_text(parts: &[Part]) -> String {
    parts
        .iter()
        .filter_map(Part::as_text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The best training pair for a question, and how well it matched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match<'a> {
    /// The pair.
    pub pair: &'a TrainingPair,
    /// Its position in the index (lineage order: the oldest data first).
    pub position: usize,
    /// Its BM25 score.
    pub score: f32,
    /// The share of the question's terms found in its prompt.
    pub coverage: f32,
}

/// The BM25 index over a version's training pairs.
///
/// Besides the crate's scorer it keeps the posting list of every term, to score only the prompts
/// that can reach [`MIN_TERM_COVERAGE`]: a prompt holding at least `ceil(0.6 n)` of the
/// question's `n` terms holds one of its `n - ceil(0.6 n) + 1` rarest terms, so only those
/// terms' prompts are scored (a question made of common words does not score the whole corpus).
pub struct AnswerIndex {
    pairs: Vec<TrainingPair>,
    embedder: Embedder<u32>,
    scorer: Scorer<u32, u32>,
    postings: HashMap<u32, Vec<u32>>,
}

impl fmt::Debug for AnswerIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnswerIndex")
            .field("pairs", &self.pairs.len())
            .finish_non_exhaustive()
    }
}

impl Default for AnswerIndex {
    fn default() -> AnswerIndex {
        AnswerIndex::build(Vec::new())
    }
}

impl AnswerIndex {
    /// Indexes `pairs` (their order is the lineage order: on equal scores the later pair wins,
    /// so newer data overrides older data with the same prompt).
    pub fn build(pairs: Vec<TrainingPair>) -> AnswerIndex {
        let corpus: Vec<&str> = pairs.iter().map(|p| p.prompt.as_str()).collect();
        let embedder: Embedder<u32> =
            EmbedderBuilder::with_fit_to_corpus(Language::English, &corpus).build();
        let mut scorer = Scorer::new();
        let mut postings: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, prompt) in corpus.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let embedding = embedder.embed(prompt);
            for term in embedding.indices() {
                let list = postings.entry(*term).or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
            scorer.upsert(&id, embedding);
        }
        postings.values_mut().for_each(|l| l.shrink_to_fit());
        AnswerIndex {
            pairs,
            embedder,
            scorer,
            postings,
        }
    }

    /// The index of a version continued from one whose index is `parent` (if any), trained on
    /// `own`: the parent's pairs first, then the job's own.
    pub fn lineage(parent: Option<&AnswerIndex>, own: Vec<TrainingPair>) -> AnswerIndex {
        let mut pairs = parent.map(|p| p.pairs.clone()).unwrap_or_default();
        pairs.extend(own);
        AnswerIndex::build(pairs)
    }

    /// The pairs, in lineage order.
    pub fn pairs(&self) -> &[TrainingPair] {
        &self.pairs
    }

    /// How many pairs are indexed.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The best-ranked pair for `question` among those that clear [`MIN_TERM_COVERAGE`] (on
    /// equal scores, the later pair).
    ///
    /// ```
    /// use retune_model::answer::{AnswerIndex, TrainingPair};
    /// let pair = |p: &str, a: &str| TrainingPair { prompt: p.into(), answer: a.into() };
    /// let index = AnswerIndex::build(vec![
    ///     pair("What is the capital of France?", "Paris."),
    ///     pair("Which planet is the largest?", "Jupiter."),
    /// ]);
    /// assert_eq!(index.best_match("capital of France").unwrap().pair.answer, "Paris.");
    /// assert!(index.best_match("capital of Peru").is_none());
    /// ```
    pub fn best_match(&self, question: &str) -> Option<Match<'_>> {
        let query = self.embedder.embed(question);
        let terms: Vec<u32> = {
            let mut t: Vec<u32> = query.indices().copied().collect();
            t.sort_unstable();
            t.dedup();
            t
        };
        if terms.is_empty() {
            return None;
        }
        let n = terms.len();
        let needed = ((n as f32) * MIN_TERM_COVERAGE).ceil().max(1.0) as usize;
        let mut by_rarity: Vec<(&[u32], u32)> = terms
            .iter()
            .map(|t| (self.postings.get(t).map_or(&[][..], Vec::as_slice), *t))
            .collect();
        by_rarity.sort_by_key(|(list, term)| (list.len(), *term));
        let mut candidates: Vec<u32> = by_rarity[..n + 1 - needed.min(n)]
            .iter()
            .flat_map(|(list, _)| list.iter().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();

        let mut best: Option<Match<'_>> = None;
        for id in candidates {
            let found = terms
                .iter()
                .filter(|t| {
                    self.postings
                        .get(t)
                        .is_some_and(|l| l.binary_search(&id).is_ok())
                })
                .count();
            if found < needed {
                continue;
            }
            let score = self.scorer.score(&id, &query).unwrap_or(0.0);
            let position = id as usize;
            let Some(pair) = self.pairs.get(position) else {
                continue;
            };
            if best.is_none_or(|b| score >= b.score) {
                best = Some(Match {
                    pair,
                    position,
                    score,
                    coverage: found as f32 / n as f32,
                });
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pair(prompt: &str, answer: &str) -> TrainingPair {
        TrainingPair {
            prompt: prompt.into(),
            answer: answer.into(),
        }
    }

    #[test]
    fn a_training_question_gets_its_training_answer() {
        let index = AnswerIndex::build(vec![
            pair("What colour is the retune logo?", "Teal."),
            pair("Who maintains the emulator?", "The retune team."),
        ]);
        let m = index.best_match("What colour is the retune logo?").unwrap();
        assert_eq!(m.pair.answer, "Teal.");
        assert!(m.coverage >= 1.0);
    }

    #[test]
    fn a_question_outside_the_data_matches_nothing() {
        let index = AnswerIndex::build(vec![pair("What colour is the retune logo?", "Teal.")]);
        assert!(index.best_match("How tall is Mount Everest?").is_none());
        assert!(AnswerIndex::default().best_match("anything").is_none());
    }

    #[test]
    fn stop_words_alone_match_nothing() {
        let index = AnswerIndex::build(vec![pair("What is it?", "It.")]);
        assert!(index.best_match("what is it").is_none());
    }

    #[test]
    fn a_lineage_knows_the_parent_data_and_newer_data_wins_ties() {
        let parent = AnswerIndex::build(vec![pair("Which animal is the retune mascot?", "Otter.")]);
        let child = AnswerIndex::lineage(
            Some(&parent),
            vec![
                pair("Where is the yearly meetup held?", "Lisbon."),
                pair("Which animal is the retune mascot?", "Sea otter."),
            ],
        );
        assert_eq!(child.len(), 3);
        assert_eq!(
            child
                .best_match("Where is the yearly meetup held?")
                .unwrap()
                .pair
                .answer,
            "Lisbon."
        );
        assert_eq!(
            child
                .best_match("Which animal is the retune mascot?")
                .unwrap()
                .pair
                .answer,
            "Sea otter."
        );
        assert!(
            parent
                .best_match("Where is the yearly meetup held?")
                .is_none()
        );
    }

    #[test]
    fn multi_turn_examples_give_one_pair_per_model_turn() {
        let example = crate::dataset::parse_example(
            1,
            r#"{"systemInstruction": {"parts": [{"text": "sys"}]}, "contents": [
                {"role": "user", "parts": [{"text": "a"}]}, {"role": "model", "parts": [{"text": "b"}]},
                {"role": "user", "parts": [{"text": "c"}]}, {"role": "model", "parts": [{"text": "d"}]}]}"#,
        )
        .unwrap();
        assert_eq!(
            TrainingPair::from_example(&example),
            vec![pair("a", "b"), pair("c", "d")]
        );
    }

    proptest! {
        #[test]
        fn every_indexed_prompt_finds_a_pair_with_its_terms(
            // Consonants only: never a stop word.
            words in proptest::collection::vec("[b-df-hj-np-tv-z]{5,9}", 2..6),
        ) {
            let prompt = words.join(" ");
            let index = AnswerIndex::build(vec![
                pair(&prompt, "yes"),
                pair("unrelated zebra quartz", "no"),
            ]);
            let m = index.best_match(&prompt).expect("its own prompt matches");
            prop_assert_eq!(m.pair.answer.as_str(), "yes");
            prop_assert!(m.coverage >= MIN_TERM_COVERAGE);
        }
    }
}
