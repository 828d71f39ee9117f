//! UDP check (in progress).
