//! Integrations against real servers on loopback: the exact request each kind makes.
