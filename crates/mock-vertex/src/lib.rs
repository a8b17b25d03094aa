//! A faithful local emulator of the Vertex AI tuning-jobs and Model Registry REST API.
