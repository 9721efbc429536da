//! How many components fit in `STATUS_MAX_SIZE`: documents with N components, built by the
//! library exactly as `status generate` builds and writes them, are measured, and the README
//! must state the count that fits the default. For the table:
//! `cargo test --test tests components_that_fit -- --nocapture`.

use chrono::{DateTime, Utc};
use status::commands::settings::DEFAULT_MAX_SIZE;
use status::document::{self, Sources};
use status::sources::kuma::{
    KumaReport, Maintenance, MonitorReport, MonitorState, PlatformStatus, Uptime,
};

/// A name length to plan with: longer than most monitor names ("Web Frontend", "API").
const NAME_CHARS: usize = 32;

fn report(components: usize) -> KumaReport {
    let now: DateTime<Utc> = "2026-11-26T04:06:01Z".parse().unwrap();
    let monitor = |id: usize| MonitorReport {
        id: id as u64,
        name: format!("{id:0>width$}", width = NAME_CHARS),
        group: Some("Services".into()),
        // The longest state and uptime on the wire: "maintenance", 99.95.
        state: MonitorState::Maintenance,
        last_beat_at: Some(now),
        uptime: Uptime {
            last_24h: Some(99.95),
            ..Uptime::default()
        },
        counted: true,
        critical: false,
        on_status_page: true,
    };
    KumaReport {
        kuma_version: "2.x".into(),
        checked_at: now,
        platform_status: PlatformStatus::Operational,
        uptime: Uptime {
            last_24h: Some(99.95),
            last_7d: Some(99.95),
            last_30d: Some(99.95),
            last_1y: Some(99.95),
        },
        maintenance: Maintenance::default(),
        incidents: Vec::new(),
        monitors: (1..=components).map(monitor).collect(),
        warnings: Vec::new(),
        degraded: Vec::new(),
        requests: 0,
        retries: 0,
    }
}

/// The bytes `generate` writes for a document with `components` components.
fn document_size(components: usize) -> u64 {
    let kuma = report(components);
    let now = kuma.checked_at;
    let document = document::build(
        now,
        &Sources {
            kuma: Some(&kuma),
            backups: None,
            active_override: None,
            publish_components: true,
        },
    );
    document.to_json().len() as u64
}

#[test]
fn components_that_fit_the_default_size_are_the_readme_s_number() {
    let per_component = document_size(1001) - document_size(1);
    let base = document_size(0);
    // The largest count whose document is within the cap, found by measuring.
    let mut fits = ((DEFAULT_MAX_SIZE - base) * 1000 / per_component) as usize;
    while document_size(fits + 1) <= DEFAULT_MAX_SIZE {
        fits += 1;
    }
    while document_size(fits) > DEFAULT_MAX_SIZE {
        fits -= 1;
    }
    println!("document without components: {base} bytes");
    println!(
        "each component ({NAME_CHARS}-character name): {:.1} bytes",
        per_component as f64 / 1000.0
    );
    for n in [100, 1000, 5000, fits] {
        println!("{n} components: {} bytes", document_size(n));
    }
    println!("components that fit in {DEFAULT_MAX_SIZE} bytes: {fits}");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let claim = format!("holds {} components", thousands(fits));
    assert!(
        readme.contains(&claim),
        "README.md should say \"{claim}\" (with {NAME_CHARS}-character names)"
    );
}

/// `7654` -> `7,654`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
