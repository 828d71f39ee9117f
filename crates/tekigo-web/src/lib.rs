//! HTTP: public pages, QR codes, JSON API, vendor and staff screens.

pub mod qr;
