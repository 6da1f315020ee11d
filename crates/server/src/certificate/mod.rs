//! Model-class certificates as PDF (issue 17): being written.
