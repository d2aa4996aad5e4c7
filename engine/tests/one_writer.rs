//! Runs of one process never process the same landed file twice, and what stopped processes
//! left half-written in the lake is swept.

mod common;

use common::{Env, fixture};
use engine::etl::{ImportOptions, Outcome, Quiet, Trigger};

async fn statement_lines(env: &Env) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM statement_lines").fetch_one(env.db.pool()).await.expect("count")
}

#[tokio::test]
async fn a_run_of_landing_leaves_an_imports_files_to_the_import() {
    let env = Env::new().await;
    let files =
        [fixture("distrokid/bank_details_layout_a.tsv"), fixture("distrokid/bank_details_layout_b.csv")];
    let options = ImportOptions::default();
    // The import lands its files, then waits for the writer the landing run may take first.
    let (imported, landing) = tokio::join!(env.etl.import(&files, &options, Trigger::Cli, &Quiet), async {
        tokio::task::yield_now().await;
        env.etl.run_landing(None, Trigger::Schedule, &Quiet).await
    });
    let imported = imported.expect("import");
    let landing = landing.expect("landing run");
    assert_eq!(imported.files.len(), 2);
    assert!(imported.files.iter().all(|f| f.outcome == Outcome::Loaded), "{:?}", imported.files);
    assert!(landing.files.is_empty(), "the landing run took the import's files: {:?}", landing.files);
    let alone = Env::new().await;
    alone.import(&["distrokid/bank_details_layout_a.tsv", "distrokid/bank_details_layout_b.csv"]).await;
    assert_eq!(statement_lines(&env).await, statement_lines(&alone).await);
}

#[tokio::test]
async fn two_runs_of_landing_process_each_file_once() {
    let env = Env::new().await;
    let landing = env.etl.lake().landing_dir();
    std::fs::copy(fixture("distrokid/bank_details_layout_a.tsv"), landing.join("a.tsv")).expect("copy");
    let (first, second) = tokio::join!(
        env.etl.run_landing(None, Trigger::Schedule, &Quiet),
        env.etl.run_landing(None, Trigger::Admin, &Quiet)
    );
    let (first, second) = (first.expect("first"), second.expect("second"));
    let outcomes: Vec<Outcome> = first.files.iter().chain(&second.files).map(|f| f.outcome).collect();
    assert_eq!(outcomes, [Outcome::Loaded], "processed once, by one of the runs");
}

#[tokio::test]
async fn leftovers_of_stopped_processes_are_swept_and_landed_files_kept() {
    let env = Env::new().await;
    let lake = env.etl.lake();
    let (tmp, landing) = (lake.tmp_dir(), lake.landing_dir());
    std::fs::create_dir_all(tmp.join(".upload-abc")).expect("scratch");
    std::fs::write(tmp.join(".upload-abc/statement.tsv"), "half").expect("scratch file");
    std::fs::write(tmp.join("deadbeef.part"), "half a raw copy").expect("raw part");
    std::fs::write(landing.join("20261207T000000-x.part"), "half").expect("landing part");
    std::fs::write(landing.join("20261207T000000-x.tsv.meta.json"), "{}").expect("orphan note");
    let (kept, _flush) = lake
        .land(
            &fixture("distrokid/bank_details_layout_a.tsv"),
            engine::lake::LandingMeta { original_name: "a.tsv".into(), ..Default::default() },
        )
        .expect("land");

    assert_eq!(lake.sweep_leftovers().expect("sweep"), 4);
    assert_eq!(std::fs::read_dir(&tmp).expect("tmp").count(), 0);
    let left: Vec<_> = std::fs::read_dir(&landing).expect("landing").flatten().map(|e| e.path()).collect();
    assert_eq!(left.len(), 2, "the landed file and its note stay: {left:?}");
    assert!(kept.path.exists());
    assert_eq!(lake.waiting().expect("waiting").len(), 1);
}

#[tokio::test]
async fn a_file_this_process_is_landing_for_its_own_run_is_not_a_hand_over() {
    let env = Env::new().await;
    let landing = env.etl.landing_now();
    let (landed, _flush) = env
        .etl
        .lake()
        .land(
            &fixture("distrokid/bank_details_layout_a.tsv"),
            engine::lake::LandingMeta { original_name: "pulled.tsv".into(), ..Default::default() },
        )
        .expect("land");
    assert!(!env.etl.has_handed_over_files().await.expect("check"));
    assert!(env.etl.run_handed_over(Trigger::Cli, &Quiet).await.expect("hand-over run").is_none());

    // The run that landed it takes it.
    let run = env.etl.run_landing(None, Trigger::Admin, &Quiet).await.expect("run");
    drop(landing);
    assert_eq!(run.files.iter().map(|f| f.outcome).collect::<Vec<_>>(), [Outcome::Loaded]);
    assert!(!landed.path.exists());
    assert!(!env.etl.has_handed_over_files().await.expect("check"));
}

#[tokio::test]
async fn a_file_another_process_landed_is_a_hand_over() {
    let env = Env::new().await;
    env.etl
        .lake()
        .land(
            &fixture("distrokid/bank_details_layout_a.tsv"),
            engine::lake::LandingMeta { original_name: "handed.tsv".into(), ..Default::default() },
        )
        .expect("land");
    assert!(env.etl.has_handed_over_files().await.expect("check"));
    let run = env.etl.run_handed_over(Trigger::Cli, &Quiet).await.expect("run").expect("a run");
    assert_eq!(run.files.iter().map(|f| f.outcome).collect::<Vec<_>>(), [Outcome::Loaded]);
}
