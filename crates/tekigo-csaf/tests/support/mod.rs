//! Sample input for the tests: a certification body, and advisories of several shapes.
#![allow(dead_code, unreachable_pub)]

use jiff::Timestamp;
use tekigo_csaf::{
    Advisory, AffectedProduct, Cvss3, DocumentStatus, Kev, ProductStatus, Publisher, Revision, VexJustification,
    Vulnerability,
};

pub fn publisher() -> Publisher {
    Publisher {
        name: "JC-STAR certification body".into(),
        namespace: "https://jc-star.example.jp".into(),
        contact_details: "vuln-reports@jc-star.example.jp".into(),
    }
}

pub fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

pub fn product(label: &str, vendor: &str, name: &str, firmware: &str, status: ProductStatus) -> AffectedProduct {
    AffectedProduct {
        label_number: label.into(),
        label_url: format!("https://registry.jc-star.example.jp/labels/{label}"),
        vendor: vendor.into(),
        product_name: name.into(),
        model: format!("{name}-100"),
        firmware_version: firmware.into(),
        component_name: "busybox".into(),
        component_version: "1.36.0".into(),
        component_purl: Some("pkg:generic/busybox@1.36.0".into()),
        status,
        fixed_in: vec![],
        remediation_note: None,
    }
}

/// An advisory with every optional part: CVSS, KEV, Japanese summary, all four statuses, several
/// vendors.
pub fn full() -> Advisory {
    let mut affected = product("JC1-2026-000123", "Acme", "Camera", "2.1.0", ProductStatus::KnownAffected);
    affected.fixed_in = vec!["2.1.1".into()];
    affected.remediation_note = Some("Until updated, turn off the web console.".into());
    let mut no_fix = product("JC1-2026-000124", "Acme", "Doorbell", "1.0.3", ProductStatus::KnownAffected);
    no_fix.component_purl = None;
    let mut workaround = product("JC2-2026-000007", "Bento Networks", "Router", "5.4", ProductStatus::KnownAffected);
    workaround.component_name = "openssl".into();
    workaround.component_version = "3.0.2".into();
    workaround.component_purl = Some("pkg:deb/debian/openssl@3.0.2?arch=arm64".into());
    workaround.remediation_note = Some("Block port 8443 from outside.".into());
    let not_affected = product(
        "JC1-2026-000200",
        "Bento Networks",
        "Router",
        "5.5",
        ProductStatus::KnownNotAffected {
            justification: VexJustification::VulnerableCodeNotInExecutePath,
            impact: "The affected applet is not built into this firmware's busybox.".into(),
        },
    );
    let not_present = product(
        "JC1-2026-000201",
        "Chiyoda Denki",
        "Thermostat",
        "r17",
        ProductStatus::KnownNotAffected {
            justification: VexJustification::ComponentNotPresent,
            impact: "This firmware ships toybox, not busybox.".into(),
        },
    );
    let fixed = product("JC1-2026-000123", "Acme", "Camera", "2.1.1", ProductStatus::Fixed);
    let mut investigating =
        product("JC1-2026-000300", "Chiyoda Denki", "Smart plug", "0.9.1", ProductStatus::UnderInvestigation);
    investigating.remediation_note = Some("Keep the plug off public networks.".into());
    Advisory {
        tracking_id: "TEKIGO-2026-0001".into(),
        title: "busybox wget flaw in labelled cameras, doorbells and routers".into(),
        initial_release: at("2026-03-02T09:00:00Z"),
        current_release: at("2026-03-05T09:00:00Z"),
        revisions: vec![
            Revision { number: 1, date: at("2026-03-02T09:00:00Z"), summary: "Initial release.".into() },
            Revision { number: 2, date: at("2026-03-05T09:00:00Z"), summary: "Acme's fixed firmware added.".into() },
        ],
        status: DocumentStatus::Final,
        vulnerability: Vulnerability {
            cve: Some("CVE-2026-12345".into()),
            other_ids: vec!["GHSA-abcd-efgh-ijkl".into(), "JVNVU#12345678".into()],
            summary_en: "A heap overflow in busybox's wget lets a network attacker run code.".into(),
            summary_ja: Some("busybox の wget にヒープオーバーフローがあり、遠隔から任意のコードを実行される。".into()),
            cvss_v3: Some(Cvss3 { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(), base_score: 9.8 }),
            kev: Some(Kev { date_added: "2026-03-04".into(), due_date: Some("2026-03-25".into()) }),
            references: vec![
                "https://nvd.nist.gov/vuln/detail/CVE-2026-12345".into(),
                "https://jvn.jp/vu/JVNVU12345678/".into(),
            ],
        },
        products: vec![affected, no_fix, workaround, not_affected, not_present, fixed, investigating],
    }
}

/// The least an advisory can have: one product, an id that is not a CVE, no CVSS, KEV or Japanese.
pub fn minimal() -> Advisory {
    let mut advisory = full();
    advisory.revisions.truncate(1);
    advisory.current_release = advisory.initial_release;
    advisory.status = DocumentStatus::Interim;
    advisory.vulnerability = Vulnerability {
        cve: None,
        other_ids: vec!["GO-2026-4000".into()],
        summary_en: "A flaw.".into(),
        summary_ja: None,
        cvss_v3: None,
        kev: None,
        references: vec![],
    };
    advisory.products = vec![product("JC1-2026-000001", "Acme", "Camera", "1.0", ProductStatus::UnderInvestigation)];
    advisory
}
