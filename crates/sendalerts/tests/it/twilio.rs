//! Scaffold: being written.
