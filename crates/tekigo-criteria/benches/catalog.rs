//! Every `tekigo` command loads and validates the whole catalog first, so loading is on the path of
//! every command; gap analysis and OSCAL export are the heaviest reads of it.

use tekigo_criteria::{Catalog, Lang, LevelSelector, oscal, source};

fn main() {
    divan::main();
}

#[divan::bench]
fn load_builtin_catalog(bencher: divan::Bencher) {
    let sources = source::builtin_sources();
    bencher.bench_local(|| Catalog::load(divan::black_box(&sources)).expect("valid"));
}

#[divan::bench(args = ["uk-psti", "sg-cls:2", "eu-cra"])]
fn gap_to_jc_star_1(bencher: divan::Bencher, have: &str) {
    let catalog = tekigo_criteria::builtin().expect("valid");
    let have = [LevelSelector::parse(have).unwrap()];
    let want = LevelSelector::parse("jc-star:1").unwrap();
    bencher.bench_local(|| catalog.gap(divan::black_box(&have), &want).unwrap());
}

#[divan::bench]
fn export_oscal(bencher: divan::Bencher) {
    let catalog = tekigo_criteria::builtin().expect("valid");
    bencher.bench_local(|| oscal::export_all(divan::black_box(&catalog), Lang::En));
}
