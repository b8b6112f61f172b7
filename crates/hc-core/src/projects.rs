//! Projects: create, rename, remove, API keys and team members (placeholder).
