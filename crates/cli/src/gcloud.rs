//! The project and region of the active gcloud configuration, read from its files (gcloud is
//! never run): the fallback when neither a flag nor the environment gives them.
//!
//! As gcloud finds them: the configuration directory is `CLOUDSDK_CONFIG` or
//! `~/.config/gcloud`; the active configuration is `CLOUDSDK_ACTIVE_CONFIG_NAME`, else the name
//! in `active_config`, else `default`; its properties are in `configurations/config_NAME`, an INI
//! file, and the `CLOUDSDK_SECTION_PROPERTY` variables override them. The region is `ai/region`
//! (the one `gcloud ai` uses), else `compute/region`.

use std::path::{Path, PathBuf};

/// What gcloud's active configuration says; each part is `None` when it says nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcloudDefaults {
    /// `core/project`.
    pub project: Option<String>,
    /// `ai/region`, else `compute/region`.
    pub region: Option<String>,
}

impl GcloudDefaults {
    /// Reads the active configuration; a missing or unreadable file says nothing.
    pub fn load() -> GcloudDefaults {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let file = config_dir(env("CLOUDSDK_CONFIG"), env("HOME"))
            .map(|dir| {
                let active = env("CLOUDSDK_ACTIVE_CONFIG_NAME")
                    .or_else(|| read(&dir.join("active_config")))
                    .unwrap_or_else(|| "default".to_owned());
                read(
                    &dir.join("configurations")
                        .join(format!("config_{}", active.trim())),
                )
                .unwrap_or_default()
            })
            .unwrap_or_default();
        let property = |section: &str, key: &str| {
            env(&format!(
                "CLOUDSDK_{}_{}",
                section.to_uppercase(),
                key.to_uppercase()
            ))
            .or_else(|| ini_value(&file, section, key))
        };
        GcloudDefaults {
            project: property("core", "project"),
            region: property("ai", "region").or_else(|| property("compute", "region")),
        }
    }
}

fn config_dir(cloudsdk_config: Option<String>, home: Option<String>) -> Option<PathBuf> {
    cloudsdk_config
        .map(PathBuf::from)
        .or_else(|| home.map(|home| Path::new(&home).join(".config").join("gcloud")))
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// `key = value` in `[section]` of an INI text; the last one wins, as in Python's configparser.
fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    let mut found = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_owned();
            continue;
        }
        if current != section {
            continue;
        }
        if let Some((k, v)) = line.split_once('=').or_else(|| line.split_once(':'))
            && k.trim() == key
        {
            let v = v.trim();
            found = (!v.is_empty()).then(|| v.to_owned());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_values_are_read_from_their_section_only() {
        let text = "[core]\naccount = me@example.com\nproject = my-proj\n\n[compute]\nregion = europe-west4\n[ai]\n# region = no\nregion=us-east1\n";
        assert_eq!(
            ini_value(text, "core", "project").as_deref(),
            Some("my-proj")
        );
        assert_eq!(
            ini_value(text, "compute", "region").as_deref(),
            Some("europe-west4")
        );
        assert_eq!(ini_value(text, "ai", "region").as_deref(), Some("us-east1"));
        assert_eq!(ini_value(text, "core", "region"), None);
    }

    #[test]
    fn cloudsdk_config_wins_over_home() {
        assert_eq!(
            config_dir(Some("/c".into()), Some("/h".into())),
            Some(PathBuf::from("/c"))
        );
        assert_eq!(
            config_dir(None, Some("/h".into())),
            Some(PathBuf::from("/h/.config/gcloud"))
        );
    }
}
