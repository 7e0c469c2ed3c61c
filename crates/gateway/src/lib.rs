//! The unishare gateway (being built).
