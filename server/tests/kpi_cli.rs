//! `soundcheck kpi`: exit codes, the contract's JSON shape, and a snapshot on the demo data.
//! The snapshot is a regression guard; the hand-computed tests in engine/tests/kpi.rs prove the
//! values. After a deliberate change, refresh it with `UPDATE_SNAPSHOTS=1 cargo test -p server
//! --test kpi_cli`.

use std::{path::Path, process::Command};

use serde_json::Value;

const TODAY: &str = "2026-11-26";

fn soundcheck(data_dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_soundcheck"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("SOUNDCHECK_TODAY", TODAY)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run soundcheck");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_dates_and_options_exit_2_and_an_unknown_artist_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let usage = [
        vec!["kpi", "--from", "2025-02-01", "--to", "2025-01-31"],
        vec!["kpi", "--from", "2025-02-30", "--to", "2025-03-31"],
        vec!["kpi", "--from", "yesterday", "--to", "2025-03-31"],
        vec!["kpi", "--from", "2025-01-01"],
        vec!["kpi", "--from", "2025-01-01", "--to", "2025-01-31", "--colour"],
    ];
    for args in usage {
        let (code, _, stderr) = soundcheck(dir.path(), &args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(!stderr.is_empty(), "{args:?} says why");
    }
    let (code, _, stderr) =
        soundcheck(dir.path(), &["kpi", "--from", "2025-01-01", "--to", "2025-01-31", "--artist", "Nobody"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("Nobody"), "{stderr}");
}

#[test]
fn an_empty_warehouse_gives_every_id_as_null() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) =
        soundcheck(dir.path(), &["kpi", "--from", "2025-01-01", "--to", "2025-01-31", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("json");
    for id in model::KpiId::ALL {
        assert_eq!(json["kpis"][id.as_str()], Value::Null, "{id}");
        assert_eq!(json["previous"][id.as_str()], Value::Null, "{id}");
    }
    for source in model::SourceId::ALL {
        assert_eq!(json["freshness"][source.as_str()], Value::Null);
        assert_eq!(json["coverage"][source.as_str()], Value::Null);
    }
    assert_eq!(json["reported_through"], Value::Null);
    assert_eq!(json["from"], "2025-01-01");
    assert_eq!(json["artist"], Value::Null);
    // The table for people says the same.
    let (code, table, _) = soundcheck(dir.path(), &["kpi", "--from", "2025-01-01", "--to", "2025-01-31"]);
    assert_eq!(code, Some(0));
    assert!(table.contains("Revenue") && table.contains("no data"), "{table}");
}

#[test]
fn demo_data_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = soundcheck(dir.path(), &["demo"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let (code, stdout, stderr) =
        soundcheck(dir.path(), &["kpi", "--from", "2025-12-01", "--to", TODAY, "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("json");

    // The contract's types, whatever the values.
    for id in model::KpiId::ALL {
        let v = &json["kpis"][id.as_str()];
        if *id == model::KpiId::EmailSubscribers {
            assert!(v.is_null(), "list sizes come from Mailchimp's API, not its exports");
            continue;
        }
        if matches!(id, model::KpiId::RevenueChangePct | model::KpiId::StreamsChangePct) {
            // Nine reported months (Dec–Aug) against the nine before, a year of streams against
            // the year before: the demo's data starts in the autumn of 2025.
            assert!(v.is_null(), "no comparison with a period before the data: {v}");
            continue;
        }
        match id.kind() {
            model::KpiKind::MoneySum => assert!(v.is_string(), "{id}: {v}"),
            model::KpiKind::Count => assert!(v.is_i64(), "{id}: {v}"),
            model::KpiKind::Text => assert!(v.is_string(), "{id}: {v}"),
            _ => assert!(v.is_number(), "{id}: {v}"),
        }
    }

    assert_eq!(json["reported_through"], "2026-08");
    assert_eq!(json["coverage"]["distrokid"]["to"], "2026-08");
    let warnings = json["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w.as_str().is_some_and(|w| w.contains("revenue_change_pct"))),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.as_str().is_some_and(|w| w.contains("streams_change_pct"))),
        "{warnings:?}"
    );

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/kpi_demo.json");
    let pretty = serde_json::to_string_pretty(&json).expect("pretty") + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &pretty).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&path).expect("snapshot (UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(pretty, expected, "kpi --json on the demo data changed");
}
