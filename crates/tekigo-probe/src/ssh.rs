//! SSH check (in progress).
