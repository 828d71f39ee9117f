//! Deterministic synthetic vulnerability data in the published formats: OSV records, NVD CVE 2.0
//! feeds, the CISA KEV catalog, EPSS scores, and CycloneDX 1.5 SBOMs whose components hit them.
//!
//! Shared by `examples/synthetic.rs` (writes a data set to disk) and the benches (build a database
//! in a temporary folder). Every item is drawn from its own generator seeded with the data set's
//! seed and the item's index, so any item can be made alone and the output never depends on order.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

/// xorshift64*, seeded through splitmix64: tiny, fast, and good enough for test data.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64, stream: u64, index: u64) -> Self {
        let mut state = seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F) ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB);
        state = splitmix64(&mut state);
        Rng(state.max(1))
    }

    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub(crate) fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// Streams: one per kind of item, so that items of different kinds never share draws.
const OSV: u64 = 1;
const NVD: u64 = 2;
const KEV: u64 = 3;
const EPSS: u64 = 4;
const SBOM: u64 = 5;
const CVE: u64 = 6;

/// OSV ecosystems, with their share of records (percent), purl type and range type.
pub(crate) const ECOSYSTEMS: [(&str, u64, &str, &str); 5] = [
    ("Go", 20, "golang", "SEMVER"),
    ("npm", 30, "npm", "SEMVER"),
    ("PyPI", 20, "pypi", "ECOSYSTEM"),
    ("Maven", 20, "maven", "ECOSYSTEM"),
    ("crates.io", 10, "cargo", "SEMVER"),
];

/// Software found in firmware, as NVD names it: (part, vendor, product).
const FIRMWARE: [(&str, &str, &str); 32] = [
    ("a", "busybox", "busybox"),
    ("a", "openssl", "openssl"),
    ("a", "dropbear_ssh_project", "dropbear_ssh"),
    ("o", "linux", "linux_kernel"),
    ("a", "lighttpd", "lighttpd"),
    ("a", "thekelleys", "dnsmasq"),
    ("a", "uclibc", "uclibc"),
    ("a", "uclibc-ng_project", "uclibc-ng"),
    ("a", "haxx", "curl"),
    ("a", "haxx", "libcurl"),
    ("a", "libupnp_project", "libupnp"),
    ("a", "miniupnp_project", "miniupnpd"),
    ("a", "w1.fi", "hostapd"),
    ("a", "w1.fi", "wpa_supplicant"),
    ("a", "openbsd", "openssh"),
    ("a", "zlib", "zlib"),
    ("a", "libpng", "libpng"),
    ("a", "sqlite", "sqlite"),
    ("a", "gnu", "glibc"),
    ("a", "musl-libc", "musl"),
    ("a", "samba", "samba"),
    ("a", "isc", "bind"),
    ("a", "isc", "dhcp"),
    ("a", "netfilter", "iptables"),
    ("a", "openvpn", "openvpn"),
    ("a", "wolfssl", "wolfssl"),
    ("a", "arm", "mbed_tls"),
    ("a", "expat_project", "libexpat"),
    ("a", "libjpeg-turbo", "libjpeg-turbo"),
    ("a", "avahi", "avahi"),
    ("a", "nginx", "nginx"),
    ("a", "u-boot", "u-boot"),
];

const CVSS_AV: [&str; 4] = ["N", "A", "L", "P"];
const CVSS_LH: [&str; 2] = ["L", "H"];
const CVSS_PR: [&str; 3] = ["N", "L", "H"];
const CVSS_UI: [&str; 2] = ["N", "R"];
const CVSS_S: [&str; 2] = ["U", "C"];
const CVSS_CIA: [&str; 3] = ["N", "L", "H"];
const GHSA_ALPHABET: &[u8; 20] = b"23456789cfghjmpqrvwx";

/// The shape of one data set. Everything else follows from these and the seed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Config {
    pub seed: u64,
    pub vulns: u64,
}

impl Config {
    pub(crate) fn new(vulns: u64) -> Self {
        Config { seed: 0x7E41_60C0_5EED, vulns }
    }

    /// Four fifths of the vulnerabilities are OSV records, one fifth NVD CVEs.
    pub(crate) fn osv_count(&self) -> u64 {
        self.vulns - self.nvd_count()
    }

    pub(crate) fn nvd_count(&self) -> u64 {
        self.vulns / 5
    }

    /// Packages per ecosystem: on average six OSV records per package.
    pub(crate) fn packages_per_ecosystem(&self) -> u64 {
        (self.osv_count() / 6 / ECOSYSTEMS.len() as u64).max(10)
    }

    /// Firmware products in the NVD feed: the real ones, then synthetic vendors' products.
    pub(crate) fn product_count(&self) -> u64 {
        (self.nvd_count() / 20).clamp(FIRMWARE.len() as u64 * 2, 3000)
    }

    // ----- names -----

    fn year(index: u64, salt: u64) -> u64 {
        2014 + (index.wrapping_mul(7).wrapping_add(salt)) % 9
    }

    /// The CVE an OSV record is an alias of (nine records in ten have one).
    pub(crate) fn osv_cve(&self, index: u64) -> Option<String> {
        let mut rng = Rng::new(self.seed, CVE, index);
        rng.percent(90).then(|| format!("CVE-{}-{}", Self::year(index, 0), 100_000 + index))
    }

    /// The OSV alias an NVD item shares: one item in ten is also the CVE of the OSV record with
    /// the same index (the two merge into one vulnerability).
    fn nvd_shared_cve(&self, index: u64) -> Option<String> {
        let mut rng = Rng::new(self.seed, CVE, u64::MAX - index);
        (rng.percent(10) && index < self.osv_count()).then(|| self.osv_cve(index)).flatten()
    }

    /// The CVE of NVD item `index`.
    pub(crate) fn nvd_cve(&self, index: u64) -> String {
        self.nvd_shared_cve(index)
            .unwrap_or_else(|| format!("CVE-{}-{}", Self::year(index, 3), 100_000 + self.osv_count() + index))
    }

    fn ghsa(index: u64) -> String {
        // Multiplying by a number prime to 20 permutes 0..20^12: IDs are unique and look random.
        let modulus = 20u64.pow(12);
        let mut n = (index.wrapping_add(12_345) % modulus).wrapping_mul(2_654_435_761) % modulus;
        let mut chars = Vec::with_capacity(14);
        for position in 0..12 {
            if position > 0 && position % 4 == 0 {
                chars.push(b'-');
            }
            chars.push(GHSA_ALPHABET[(n % 20) as usize]);
            n /= 20;
        }
        format!("GHSA-{}", String::from_utf8(chars).expect("ASCII"))
    }

    /// The OSV package name and purl (without version) of package `index` of an ecosystem.
    pub(crate) fn package(ecosystem: usize, index: u64) -> (String, String) {
        let org = index % 97;
        match ECOSYSTEMS[ecosystem].0 {
            "Go" => {
                let name = format!("github.com/synth{org}/pkg{index}");
                (name.clone(), format!("pkg:golang/{name}"))
            }
            "npm" if index.is_multiple_of(4) => {
                (format!("@synth{org}/pkg-{index}"), format!("pkg:npm/%40synth{org}/pkg-{index}"))
            }
            "npm" => (format!("synth-pkg-{index}"), format!("pkg:npm/synth-pkg-{index}")),
            "PyPI" => (format!("Synth_Pkg.{index}"), format!("pkg:pypi/synth-pkg-{index}")),
            "Maven" => {
                (format!("org.synth{org}:artifact-{index}"), format!("pkg:maven/org.synth{org}/artifact-{index}"))
            }
            _ => (format!("synth-crate-{index}"), format!("pkg:cargo/synth-crate-{index}")),
        }
    }

    /// (part, vendor, product) of firmware product `index`.
    pub(crate) fn product(index: u64) -> (String, String, String) {
        match FIRMWARE.get(index as usize) {
            Some((part, vendor, product)) => ((*part).into(), (*vendor).into(), (*product).into()),
            None => ("a".into(), format!("synthvendor{}", index % 211), format!("fw_component_{index}")),
        }
    }

    fn date(rng: &mut Rng, from_year: u64) -> String {
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            from_year + rng.below(2),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        )
    }

    fn cvss_vector(rng: &mut Rng) -> String {
        format!(
            "CVSS:3.1/AV:{}/AC:{}/PR:{}/UI:{}/S:{}/C:{}/I:{}/A:{}",
            // Network attacks are the most common in advisories.
            if rng.percent(60) { "N" } else { rng.pick(&CVSS_AV) },
            rng.pick(&CVSS_LH),
            rng.pick(&CVSS_PR),
            rng.pick(&CVSS_UI),
            rng.pick(&CVSS_S),
            rng.pick(&CVSS_CIA),
            rng.pick(&CVSS_CIA),
            rng.pick(&CVSS_CIA)
        )
    }

    fn version(rng: &mut Rng, major: u64) -> String {
        format!("{major}.{}.{}", rng.below(20), rng.below(10))
    }

    // ----- OSV -----

    /// The ecosystem (index into `ECOSYSTEMS`) of OSV record `index`.
    pub(crate) fn osv_ecosystem(&self, index: u64) -> usize {
        let mut rng = Rng::new(self.seed, OSV, index);
        let mut roll = rng.below(100);
        for (position, (_, share, _, _)) in ECOSYSTEMS.iter().enumerate() {
            if roll < *share {
                return position;
            }
            roll -= share;
        }
        0
    }

    /// OSV record `index`: its ID and the JSON document.
    pub(crate) fn osv_record(&self, index: u64) -> (String, Value) {
        let ecosystem = self.osv_ecosystem(index);
        let mut rng = Rng::new(self.seed, OSV, index ^ 0x5555_5555);
        let (eco_name, _, _, range_type) = ECOSYSTEMS[ecosystem];
        let year = Self::year(index, 0);
        let ghsa = Self::ghsa(index);
        let id = match eco_name {
            "Go" => format!("GO-{year}-{index:04}"),
            "PyPI" => format!("PYSEC-{year}-{index}"),
            "crates.io" => format!("RUSTSEC-{year}-{index:04}"),
            _ => ghsa.clone(),
        };
        let mut aliases: Vec<String> = self.osv_cve(index).into_iter().collect();
        if id != ghsa {
            aliases.push(ghsa);
        }
        let published = Self::date(&mut rng, year);
        let modified = Self::date(&mut rng, year + 2);
        let package_index = rng.below(self.packages_per_ecosystem());
        let (package_name, _) = Self::package(ecosystem, package_index);

        // One range in most records, two or three in some (one per affected major version).
        let range_count = match rng.below(10) {
            0 => 3,
            1 | 2 => 2,
            _ => 1,
        };
        let first_major = rng.below(4 - range_count.min(3));
        let mut ranges: Vec<Value> = Vec::new();
        for major in first_major..first_major + range_count {
            let mut events = Vec::new();
            if major == 0 || rng.percent(30) {
                events.push(json!({ "introduced": if major == 0 { "0".to_owned() } else { format!("{major}.0.0") } }));
            } else {
                events.push(json!({ "introduced": format!("{major}.{}.{}", rng.below(10), rng.below(10)) }));
            }
            match rng.below(10) {
                0 => {
                    events.push(json!({ "last_affected": format!("{major}.{}.{}", 10 + rng.below(10), rng.below(10)) }))
                }
                1 if major + 1 == first_major + range_count => {} // not fixed yet
                _ => events.push(json!({ "fixed": format!("{major}.{}.{}", 10 + rng.below(10), rng.below(10)) })),
            }
            ranges.push(json!({ "type": range_type, "events": events }));
        }
        let mut affected = json!({
            "package": { "ecosystem": eco_name, "name": package_name, "purl": Self::package(ecosystem, package_index).1 },
            "ranges": ranges,
            "database_specific": { "source": "synthetic" }
        });
        if eco_name == "PyPI" && rng.percent(50) {
            // PyPI records list the affected versions too.
            let listed: Vec<String> = (0..3).map(|p| format!("{first_major}.0.{p}")).collect();
            affected["versions"] = json!(listed);
        }
        let mut affected_list = vec![affected];
        if rng.percent(5) {
            // A second package of the same ecosystem (a sub-module, a renamed artifact).
            let other = rng.below(self.packages_per_ecosystem());
            affected_list.push(json!({
                "package": { "ecosystem": eco_name, "name": Self::package(ecosystem, other).0 },
                "ranges": [{ "type": range_type, "events": [{ "introduced": "0" }, { "fixed": Self::version(&mut rng, 1) }] }]
            }));
        }
        let mut record = json!({
            "schema_version": "1.6.0",
            "id": id,
            "modified": modified,
            "published": published,
            "aliases": aliases,
            "summary": format!("Synthetic flaw {index} in {package_name} allows {}", rng.pick(&["denial of service", "remote code execution", "information disclosure", "path traversal", "request smuggling", "privilege escalation"])),
            "details": format!("A synthetic advisory generated for benchmarks. Record {index} of {} in the {eco_name} ecosystem; it is not a real vulnerability.", self.osv_count()),
            "affected": affected_list,
            "references": [
                { "type": "ADVISORY", "url": format!("https://example.invalid/advisories/{id}") },
                { "type": "FIX", "url": format!("https://example.invalid/{package_name}/commit/{:016x}{:016x}{:08x}", rng.next(), rng.next(), rng.next() >> 32) }
            ]
        });
        if rng.percent(70) {
            record["severity"] = json!([{ "type": "CVSS_V3", "score": Self::cvss_vector(&mut rng) }]);
        }
        (id, record)
    }

    // ----- NVD -----

    /// The firmware product an NVD item names: a real one for a fifth of items, as in real data
    /// where a few products (the kernel, OpenSSL, BusyBox) gather many CVEs.
    fn nvd_product(&self, rng: &mut Rng) -> u64 {
        if rng.percent(20) { rng.below(FIRMWARE.len() as u64) } else { rng.below(self.product_count()) }
    }

    /// NVD item `index` (an element of a feed's `vulnerabilities`).
    pub(crate) fn nvd_item(&self, index: u64) -> Value {
        let mut rng = Rng::new(self.seed, NVD, index);
        let cve = self.nvd_cve(index);
        let year = Self::year(index, 3);
        let mut matches = Vec::new();
        let mut platforms = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let (part, vendor, product) = Self::product(self.nvd_product(&mut rng));
            let major = 1 + rng.below(3);
            let mut entry = json!({
                "vulnerable": true,
                "criteria": format!("cpe:2.3:{part}:{vendor}:{product}:*:*:*:*:*:*:*:*"),
                "matchCriteriaId": format!("{:08X}-0000-4000-8000-{:012X}", rng.next() >> 32, rng.next() >> 16),
            });
            match rng.below(20) {
                0..=13 => {
                    entry["versionStartIncluding"] = json!(format!("{major}.0.0"));
                    entry["versionEndExcluding"] = json!(Self::version(&mut rng, major));
                }
                14 | 15 => entry["versionEndIncluding"] = json!(Self::version(&mut rng, major)),
                16..=18 => {
                    entry["criteria"] = json!(format!(
                        "cpe:2.3:{part}:{vendor}:{product}:{}:*:*:*:*:*:*:*",
                        Self::version(&mut rng, major)
                    ));
                }
                _ => {} // every version
            }
            matches.push(entry);
        }
        let and = rng.percent(10);
        if and {
            platforms.push(json!({
                "vulnerable": false,
                "criteria": format!("cpe:2.3:h:synthvendor{}:router_{}:-:*:*:*:*:*:*:*", rng.below(211), rng.below(500)),
                "matchCriteriaId": "00000000-0000-4000-8000-000000000000",
            }));
        }
        let configuration = if and {
            json!({ "operator": "AND", "nodes": [
                { "operator": "OR", "negate": false, "cpeMatch": matches },
                { "operator": "OR", "negate": false, "cpeMatch": platforms }
            ] })
        } else {
            json!({ "nodes": [{ "operator": "OR", "negate": false, "cpeMatch": matches }] })
        };
        let mut metrics = json!({});
        if rng.percent(85) {
            let vector = Self::cvss_vector(&mut rng);
            let (_, score) = tekigo_vuln::severity::score_vector("CVSS_V3", &vector);
            let score = score.unwrap_or(0.0);
            let severity = match score {
                s if s >= 9.0 => "CRITICAL",
                s if s >= 7.0 => "HIGH",
                s if s >= 4.0 => "MEDIUM",
                s if s > 0.0 => "LOW",
                _ => "NONE",
            };
            metrics["cvssMetricV31"] = json!([{
                "source": "nvd@nist.gov",
                "type": "Primary",
                "cvssData": { "version": "3.1", "vectorString": vector, "baseScore": score, "baseSeverity": severity },
                "exploitabilityScore": 3.9,
                "impactScore": 5.9
            }]);
        }
        let published = Self::date(&mut rng, year);
        json!({ "cve": {
            "id": cve,
            "sourceIdentifier": "cve@mitre.org",
            "published": published.trim_end_matches('Z'),
            "lastModified": Self::date(&mut rng, year + 2).trim_end_matches('Z'),
            "vulnStatus": if rng.percent(2) { "Rejected" } else { "Analyzed" },
            "descriptions": [{ "lang": "en", "value": format!("Synthetic firmware flaw {index}: a crafted request can {}.", rng.pick(&["crash the daemon", "execute code", "read memory", "bypass authentication"])) }],
            "metrics": metrics,
            "weaknesses": [{ "source": "nvd@nist.gov", "type": "Primary", "description": [{ "lang": "en", "value": format!("CWE-{}", rng.pick(&[79, 787, 20, 125, 416, 22, 78, 190])) }] }],
            "configurations": [configuration],
            "references": [{ "url": format!("https://example.invalid/{cve}"), "source": "cve@mitre.org" }]
        } })
    }

    /// An NVD CVE 2.0 feed with items `range`.
    pub(crate) fn nvd_feed(&self, range: std::ops::Range<u64>) -> Value {
        let items: Vec<Value> = range.clone().map(|i| self.nvd_item(i)).collect();
        json!({
            "resultsPerPage": items.len(),
            "startIndex": range.start,
            "totalResults": self.nvd_count(),
            "format": "NVD_CVE",
            "version": "2.0",
            "timestamp": "2025-08-25T00:00:00.000",
            "vulnerabilities": items
        })
    }

    // ----- KEV, EPSS -----

    /// Every CVE of the data set, OSV aliases first, each once.
    pub(crate) fn cves(&self) -> impl Iterator<Item = String> + '_ {
        let osv = (0..self.osv_count()).filter_map(|i| self.osv_cve(i));
        let nvd = (0..self.nvd_count()).filter(|&i| self.nvd_shared_cve(i).is_none()).map(|i| self.nvd_cve(i));
        osv.chain(nvd)
    }

    /// The KEV catalog: about three percent of the CVEs.
    pub(crate) fn kev(&self) -> Value {
        let entries: Vec<Value> = self
            .cves()
            .enumerate()
            .filter_map(|(i, cve)| {
                let mut rng = Rng::new(self.seed, KEV, i as u64);
                rng.percent(3).then(|| {
                    let added = Self::date(&mut rng, 2022);
                    json!({
                        "cveID": cve,
                        "vendorProject": "Synthetic",
                        "product": format!("Product {}", rng.below(500)),
                        "vulnerabilityName": format!("Synthetic {cve} vulnerability"),
                        "dateAdded": &added[..10],
                        "shortDescription": "A synthetic entry for benchmarks.",
                        "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
                        "dueDate": format!("{}-{:02}-28", &added[..4], 1 + rng.below(12)),
                        "knownRansomwareCampaignUse": if rng.percent(20) { "Known" } else { "Unknown" },
                        "notes": "",
                        "cwes": []
                    })
                })
            })
            .collect();
        json!({
            "title": "CISA Catalog of Known Exploited Vulnerabilities (synthetic)",
            "catalogVersion": "2025.08.25",
            "dateReleased": "2025-08-25T15:00:00.0000Z",
            "count": entries.len(),
            "vulnerabilities": entries
        })
    }

    /// EPSS scores of every CVE, in FIRST's CSV format; most scores are small, as in real data.
    pub(crate) fn write_epss(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z")?;
        writeln!(out, "cve,epss,percentile")?;
        for (i, cve) in self.cves().enumerate() {
            let mut rng = Rng::new(self.seed, EPSS, i as u64);
            let u = rng.unit();
            let score = u.powi(6).max(0.00001);
            writeln!(out, "{cve},{score:.5},{:.5}", u.max(0.00001))?;
        }
        Ok(())
    }

    // ----- SBOMs -----

    /// A CycloneDX 1.5 JSON SBOM of a firmware image with `count` components: most name packages
    /// and products of the data set (at affected, fixed or other versions), some name nothing in it.
    pub(crate) fn sbom(&self, count: u64) -> Value {
        let mut components = Vec::with_capacity(count as usize);
        // Real firmware products (each with hundreds of CVEs) are 30 % of the CPE and name-only
        // components of a small SBOM, and about two copies each in a large one.
        let real_share = (count * 3 / 10).min(300);
        for i in 0..count {
            let mut rng = Rng::new(self.seed, SBOM, (count << 32) | i);
            let bom_ref = format!("component-{i}");
            let roll = rng.below(100);
            let component = if roll < 55 {
                // A package of the OSV data; versions spread over the affected and fixed ranges.
                let ecosystem = rng.below(ECOSYSTEMS.len() as u64) as usize;
                let (name, purl) = Self::package(ecosystem, rng.below(self.packages_per_ecosystem()));
                let major = rng.below(4);
                let version = Self::version(&mut rng, major);
                let purl_version =
                    if ECOSYSTEMS[ecosystem].0 == "Go" { format!("v{version}") } else { version.clone() };
                json!({ "type": "library", "bom-ref": bom_ref, "name": name, "version": purl_version, "purl": format!("{purl}@{purl_version}") })
            } else if roll < 70 {
                // A package no advisory names.
                let ecosystem = rng.below(ECOSYSTEMS.len() as u64) as usize;
                let (name, purl) = Self::package(ecosystem, 10_000_000 + i);
                json!({ "type": "library", "bom-ref": bom_ref, "name": name, "version": "1.0.0", "purl": format!("{purl}@1.0.0") })
            } else if roll < 90 {
                // Firmware software named by CPE (a fifth of them under another vendor name). The
                // real products gather many CVEs each and appear about twice in a large image.
                let product_index = if rng.below(count) < real_share {
                    rng.below(FIRMWARE.len() as u64)
                } else {
                    rng.below(self.product_count())
                };
                let (part, vendor, product) = Self::product(product_index);
                let vendor = if rng.percent(20) { format!("{vendor}_fork") } else { vendor };
                let major = 1 + rng.below(3);
                let version = Self::version(&mut rng, major);
                let mut component = json!({
                    "type": if part == "o" { "operating-system" } else { "library" },
                    "bom-ref": bom_ref,
                    "name": product,
                    "version": version,
                    "cpe": format!("cpe:2.3:{part}:{vendor}:{product}:{version}:*:*:*:*:*:*:*")
                });
                if rng.percent(50) {
                    component["purl"] = json!(format!("pkg:generic/{product}@{version}"));
                }
                component
            } else if roll < 95 {
                // A CPE of a product no advisory names.
                json!({ "type": "library", "bom-ref": bom_ref, "name": format!("inhouse_{i}"), "version": "2.1.0",
                        "cpe": format!("cpe:2.3:a:acme:inhouse_{i}:2.1.0:*:*:*:*:*:*:*") })
            } else {
                // Neither purl nor CPE: matched by name alone, if at all.
                let name = if rng.below(count) < real_share {
                    Self::product(rng.below(FIRMWARE.len() as u64)).2
                } else {
                    format!("blob-{i}")
                };
                json!({ "type": "file", "bom-ref": bom_ref, "name": name, "version": Self::version(&mut rng, 1) })
            };
            components.push(component);
        }
        json!({
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "serialNumber": format!("urn:uuid:00000000-0000-4000-8000-{count:012}"),
            "version": 1,
            "metadata": {
                "timestamp": "2025-08-25T00:00:00Z",
                "component": { "type": "firmware", "bom-ref": "firmware", "name": "synthetic-router-firmware", "version": "4.2.0" }
            },
            "components": components,
            "dependencies": [{ "ref": "firmware", "dependsOn": (0..count).map(|i| format!("component-{i}")).collect::<Vec<_>>() }]
        })
    }

    // ----- writing -----

    /// Writes OSV records `range` as one pretty-printed JSON file each, in `dir/<ecosystem>/`.
    pub(crate) fn write_osv_files(&self, dir: &Path, range: std::ops::Range<u64>) -> std::io::Result<()> {
        for (name, _, _, _) in ECOSYSTEMS {
            std::fs::create_dir_all(dir.join(name))?;
        }
        for index in range {
            let ecosystem = ECOSYSTEMS[self.osv_ecosystem(index)].0;
            let (id, record) = self.osv_record(index);
            let bytes = serde_json::to_vec_pretty(&record).map_err(std::io::Error::other)?;
            std::fs::write(dir.join(ecosystem).join(format!("{id}.json")), bytes)?;
        }
        Ok(())
    }

    /// Writes the NVD feed as yearly-sized files of at most `per_file` items.
    pub(crate) fn write_nvd(&self, dir: &Path, per_file: u64) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut start = 0;
        let mut part = 0;
        while start < self.nvd_count() {
            let end = (start + per_file).min(self.nvd_count());
            let feed = self.nvd_feed(start..end);
            let file = std::io::BufWriter::new(std::fs::File::create(dir.join(format!("nvdcve-2.0-{part:03}.json")))?);
            serde_json::to_writer(file, &feed).map_err(std::io::Error::other)?;
            start = end;
            part += 1;
        }
        Ok(())
    }
}
