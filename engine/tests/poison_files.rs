//! Landed files that cannot load for a reason of their own are rejected, moved out of landing
//! into the rejected zone and recorded in their run, and the run goes on to the next file.

mod common;

use std::path::{Path, PathBuf};

use common::{Env, fixture};
use engine::{
    etl::{
        Outcome, Quiet, Trigger,
        rejected::{rejected_file, rejected_files},
    },
    lake::LandingMeta,
};

const HEADER: &str = "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\t\
                      Song/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)\n";

/// A DistroKid statement with `countries` distinct values in its country column (none of them a
/// country code).
fn many_countries(dir: &Path, countries: usize) -> PathBuf {
    let mut text = String::from(HEADER);
    for i in 0..countries {
        text.push_str(&format!(
            "2024-11-20\t2024-08\tSpotify\tZONE A0\tSong\tQZTB92494812\t198891507125\t1\t100\tSong\tC{i:04}\t0\t0.01\n"
        ));
    }
    let path = dir.join("many_countries.tsv");
    std::fs::write(&path, text).expect("write");
    path
}

/// A TooLost sales report with `currencies` distinct currencies, each a well-formed code (three
/// letters: the report's currency column is checked for its shape only). Countries are validated
/// against the ~250 codes there are, so a file can no longer hold more distinct countries than a
/// load takes (1,024); currencies are the column left that reaches a load's limit (256).
fn many_currencies(dir: &Path, currencies: usize) -> PathBuf {
    let mut text = String::from(
        "transaction_id,sale_date,accounting_date,reporting_date,release_title,release_id,track_title,track_id,\
         channel,country,isrc,upc,units,unit_price,original_currency,split_id,share,rev_fee,net_revenue\n",
    );
    for i in 0..currencies {
        let letter = |n: usize| char::from(b'A' + (n % 26) as u8);
        let code: String = [letter(i / 676), letter(i / 26), letter(i)].into_iter().collect();
        text.push_str(&format!(
            "TL-{i},2025-03-14,2025-04-30,2025-05-15,LUNA,R-77,LUNA,T-501,Spotify,US,QZTB92494812,\
             198891507125,1,0.003,{code},SP-1,100,0,0.01\n"
        ));
    }
    let path = dir.join("many_currencies.csv");
    std::fs::write(&path, text).expect("write");
    path
}

/// Lands `path` as an upload would, and returns where it landed.
fn land(env: &Env, path: &Path) -> PathBuf {
    let name = path.file_name().expect("name").to_string_lossy().into_owned();
    let (landed, flush) = env
        .etl
        .lake()
        .land(path, LandingMeta { original_name: name, ..LandingMeta::default() })
        .expect("land");
    flush.wait().expect("on disk");
    landed.path
}

fn landing(env: &Env) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(env.etl.lake().landing_dir())
        .expect("landing")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn poison_files_are_set_aside_and_the_run_goes_on() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");

    // A landed file cut short by a crash after its note was written.
    let statement = fixture("distrokid/cumulative_v1.tsv");
    let cut = land(&env, &statement);
    let bytes = std::fs::read(&cut).expect("read");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("cut short");
    // More distinct currencies than one load holds (256): every row is valid, the file as a
    // whole cannot load.
    land(&env, &many_currencies(dir.path(), 300));
    // A thousand and more distinct countries: once more than a load held, now rows that fail
    // validation (no such country code), which reject the file the same way.
    land(&env, &many_countries(dir.path(), 1_100));
    land(&env, &fixture("distrokid/bank_details_layout_a.tsv"));

    let report = env.etl.run_landing(None, Trigger::Cli, &Quiet).await.expect("the run goes on");
    let outcomes: Vec<(&str, Outcome)> = report.files.iter().map(|f| (f.name.as_str(), f.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            ("cumulative_v1.tsv", Outcome::Rejected),
            ("many_currencies.csv", Outcome::Rejected),
            ("many_countries.tsv", Outcome::Rejected),
            ("bank_details_layout_a.tsv", Outcome::Loaded),
        ]
    );
    assert_eq!(report.status, "partial");
    let cut_reason = report.files[0].message.clone().unwrap_or_default();
    assert!(cut_reason.contains("no longer match the hash"), "{cut_reason}");
    let too_many = report.files[1].message.clone().unwrap_or_default();
    assert!(too_many.contains("256 currencies"), "{too_many}");
    let bad_countries = report.files[2].message.clone().unwrap_or_default();
    assert!(bad_countries.contains("1100 of 1100 rows failed validation"), "{bad_countries}");
    assert!(bad_countries.contains("Country of Sale") && bad_countries.contains("C0000"), "{bad_countries}");
    assert!(landing(&env).is_empty(), "nothing is left in landing: {:?}", landing(&env));

    // Each rejected file is kept with its note, and its run says where.
    let kept = rejected_files(env.db.pool(), env.etl.lake(), report.run_id).await.expect("rejected");
    assert_eq!(kept.len(), 3);
    assert_eq!(std::fs::read(&kept[0].path).expect("cut file"), &bytes[..bytes.len() / 2]);
    assert_eq!(kept[0].name, "cumulative_v1.tsv");
    assert_eq!(kept[0].reason.as_deref(), Some(cut_reason.as_str()));
    let mut note = kept[0].path.clone().into_os_string();
    note.push(".meta.json");
    let note = std::fs::read_to_string(note).expect("the note is kept beside it");
    assert!(note.contains("no longer match the hash"), "{note}");
    let one = rejected_file(env.db.pool(), env.etl.lake(), kept[1].run_file_id).await.expect("one");
    assert_eq!(one.as_ref(), Some(&kept[1]));

    let lines: i64 = sqlx::query_scalar("SELECT count(*) FROM statement_lines")
        .fetch_one(env.db.pool())
        .await
        .expect("count");
    assert_eq!(lines, 4, "only the good file's lines");

    // The next run finds nothing to do.
    let again = env.etl.run_landing(None, Trigger::Cli, &Quiet).await.expect("second run");
    assert!(again.files.is_empty());
    assert_eq!(again.status, "nothing_to_do");
    assert!(again.note.as_deref().is_some_and(|n| n.starts_with("nothing is waiting in landing")));
}

/// A file every run stops on (the process dies on it, the disk fails) is tried a bounded
/// number of times, then set aside.
#[tokio::test]
async fn a_file_started_three_times_without_finishing_is_set_aside() {
    let env = Env::new().await;
    let landed = land(&env, &fixture("distrokid/bank_details_layout_a.tsv"));
    // What three runs that died while loading it leave in its note.
    let mut note = landed.clone().into_os_string();
    note.push(".meta.json");
    let mut meta: LandingMeta = serde_json::from_slice(&std::fs::read(&note).expect("note")).expect("json");
    meta.attempts = 3;
    std::fs::write(&note, serde_json::to_vec(&meta).expect("json")).expect("write note");

    let report = env.etl.run_landing(None, Trigger::Cli, &Quiet).await.expect("run");
    let file = &report.files[0];
    assert_eq!(file.outcome, Outcome::Rejected);
    let message = file.message.clone().unwrap_or_default();
    assert!(message.contains("started 3 times"), "{message}");
    assert!(landing(&env).is_empty());
    assert_eq!(rejected_files(env.db.pool(), env.etl.lake(), report.run_id).await.expect("kept").len(), 1);
}
