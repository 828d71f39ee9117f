//! Matching an SBOM against vulnerability data compares each component's version with many
//! advisory versions: `compare` per scheme, and `osv_range_affects` over many versions.

use tekigo_version::{Event, Scheme, compare, osv_range_affects};

fn main() {
    divan::main();
}

/// 200 versions in the scheme's own spelling.
fn versions(scheme: Scheme) -> Vec<String> {
    (0..200)
        .map(|i| {
            let (major, minor, patch) = (i / 50, (i / 10) % 5, i % 10);
            match scheme {
                Scheme::Semver | Scheme::Npm => format!("{major}.{minor}.{patch}"),
                Scheme::Go => format!("v{major}.{minor}.{patch}"),
                Scheme::PyPi => format!("{major}.{minor}.{patch}rc{}", i % 3),
                Scheme::Maven => format!("{major}.{minor}.{patch}-beta-{}", i % 3),
                Scheme::Debian => format!("1:{major}.{minor}.{patch}~rc{}-{}", i % 3, i % 4),
                Scheme::Alpine => format!("{major}.{minor}.{patch}_rc{}-r{}", i % 3, i % 4),
                Scheme::Rpm => format!("{major}.{minor}.{patch}-{}.el9", i % 4),
                Scheme::Generic => format!("{major}.{minor}.{patch}{}", ["", "a", "t", "w"][i % 4]),
            }
        })
        .collect()
}

#[divan::bench(args = Scheme::ALL)]
fn compare_all_pairs_of_20(bencher: divan::Bencher, scheme: Scheme) {
    let vs: Vec<String> = versions(scheme).into_iter().step_by(10).collect();
    bencher.bench_local(|| {
        let mut less = 0;
        for a in &vs {
            for b in &vs {
                less += usize::from(compare(scheme, divan::black_box(a), b).unwrap().is_lt());
            }
        }
        less
    });
}

#[divan::bench(args = [Scheme::Semver, Scheme::PyPi, Scheme::Debian, Scheme::Generic])]
fn osv_range_over_200_versions(bencher: divan::Bencher, scheme: Scheme) {
    let vs = versions(scheme);
    let events = vec![
        Event::Introduced("0".to_owned()),
        Event::Fixed(vs[40].clone()),
        Event::Introduced(vs[100].clone()),
        Event::Fixed(vs[120].clone()),
        Event::Introduced(vs[150].clone()),
        Event::LastAffected(vs[180].clone()),
    ];
    bencher
        .bench_local(|| vs.iter().filter(|v| osv_range_affects(scheme, divan::black_box(&events), v).unwrap()).count());
}
