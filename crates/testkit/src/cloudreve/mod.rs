//! Simulator being written.
