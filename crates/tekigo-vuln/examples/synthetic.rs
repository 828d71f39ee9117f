//! Writes a deterministic synthetic vulnerability data set for benchmarks:
//!
//! ```text
//! cargo run --release -p tekigo-vuln --example synthetic -- --vulns 300000 --components 10000 --out DIR [--zip]
//! ```
//!
//! `DIR/osv/<ecosystem>/*.json` (four fifths of the vulnerabilities), `DIR/osv-zip/<ecosystem>.zip`
//! with `--zip`, `DIR/nvd/*.json` (NVD CVE 2.0 feeds, one fifth, with CPE ranges of firmware
//! products), `DIR/kev/known_exploited_vulnerabilities.json`, `DIR/epss/epss_scores.csv`, and
//! CycloneDX 1.5 SBOMs `DIR/sbom-100.json`, `DIR/sbom-1000.json`, ... up to `--components`.
//! The same arguments always write the same bytes.

#![allow(clippy::print_stderr)]

#[path = "support/synthetic_data.rs"]
mod synthetic_data;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use synthetic_data::{Config, ECOSYSTEMS};

struct Args {
    vulns: u64,
    components: u64,
    out: PathBuf,
    zip: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { vulns: 300_000, components: 10_000, out: PathBuf::new(), zip: false };
    let mut out = None;
    let mut iter = std::env::args().skip(1);
    while let Some(arg) = iter.next() {
        let mut value = |name: &str| iter.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--vulns" => args.vulns = value("--vulns")?.parse().map_err(|e| format!("--vulns: {e}"))?,
            "--components" => {
                args.components = value("--components")?.parse().map_err(|e| format!("--components: {e}"))?;
            }
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--zip" => args.zip = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    args.out = out.ok_or("--out DIR is required")?;
    if args.vulns < 10 {
        return Err("--vulns must be at least 10".into());
    }
    Ok(args)
}

/// SBOM sizes written: 100, 1,000, 10,000, ... up to `components`, and `components` itself.
fn sbom_sizes(components: u64) -> Vec<u64> {
    let mut sizes: Vec<u64> =
        std::iter::successors(Some(100u64), |n| n.checked_mul(10)).take_while(|n| *n <= components).collect();
    if components > 0 && !sizes.contains(&components) {
        sizes.push(components);
    }
    sizes
}

fn write_zips(config: &Config, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut writers = Vec::new();
    for (name, _, _, _) in ECOSYSTEMS {
        let file = std::fs::File::create(dir.join(format!("{name}.zip")))?;
        writers.push(zip::ZipWriter::new(std::io::BufWriter::new(file)));
    }
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for index in 0..config.osv_count() {
        let (id, record) = config.osv_record(index);
        let writer = &mut writers[config.osv_ecosystem(index)];
        writer.start_file(format!("{id}.json"), options).map_err(std::io::Error::other)?;
        serde_json::to_writer_pretty(&mut *writer, &record).map_err(std::io::Error::other)?;
    }
    for writer in writers {
        writer.finish().map_err(std::io::Error::other)?.flush()?;
    }
    Ok(())
}

fn run(args: &Args) -> std::io::Result<()> {
    let config = Config::new(args.vulns);
    let out = &args.out;
    std::fs::create_dir_all(out)?;
    let started = std::time::Instant::now();
    eprintln!(
        "{} OSV records, {} NVD CVEs ({} firmware products), {} packages per ecosystem -> {}",
        config.osv_count(),
        config.nvd_count(),
        config.product_count(),
        config.packages_per_ecosystem(),
        out.display()
    );
    config.write_osv_files(&out.join("osv"), 0..config.osv_count())?;
    eprintln!("  osv/ written ({:.1} s)", started.elapsed().as_secs_f64());
    if args.zip {
        write_zips(&config, &out.join("osv-zip"))?;
        eprintln!("  osv-zip/ written ({:.1} s)", started.elapsed().as_secs_f64());
    }
    config.write_nvd(&out.join("nvd"), 20_000)?;
    std::fs::create_dir_all(out.join("kev"))?;
    let kev = std::io::BufWriter::new(std::fs::File::create(out.join("kev/known_exploited_vulnerabilities.json"))?);
    serde_json::to_writer_pretty(kev, &config.kev()).map_err(std::io::Error::other)?;
    std::fs::create_dir_all(out.join("epss"))?;
    let mut epss = std::io::BufWriter::new(std::fs::File::create(out.join("epss/epss_scores.csv"))?);
    config.write_epss(&mut epss)?;
    epss.flush()?;
    for size in sbom_sizes(args.components) {
        let file = std::io::BufWriter::new(std::fs::File::create(out.join(format!("sbom-{size}.json")))?);
        serde_json::to_writer_pretty(file, &config.sbom(size)).map_err(std::io::Error::other)?;
    }
    eprintln!("done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("synthetic: {message}\nusage: synthetic --vulns N --components N --out DIR [--zip]");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("synthetic: {error}");
            ExitCode::FAILURE
        }
    }
}
