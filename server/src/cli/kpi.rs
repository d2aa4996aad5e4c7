//! `soundcheck kpi --from DATE --to DATE [--artist NAME] [--json]`: every KPI of the catalogue
//! for a period, as the contract's JSON or as a table for people.

use std::process::ExitCode;

use chrono::NaiveDate;
use engine::{
    Database,
    kpi::{KpiError, KpiQuery, Period, json::to_json, report},
};
use model::{Area, KpiId, KpiReport, format};

use crate::config::Settings;

#[derive(Debug, clap::Args)]
pub struct KpiArgs {
    /// First day of the period (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    from: NaiveDate,
    /// Last day of the period, included (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    to: NaiveDate,
    /// Only this artist (any spelling seen in the data)
    #[arg(long, value_name = "NAME")]
    artist: Option<String>,
    /// Print the JSON object of the contract instead of a table
    #[arg(long)]
    json: bool,
}

pub async fn run(settings: &Settings, args: KpiArgs) -> anyhow::Result<ExitCode> {
    let period = match Period::new(args.from, args.to) {
        Ok(period) => period,
        Err(err) => {
            eprintln!("error: {err}: --from must not be after --to");
            return Ok(ExitCode::from(2));
        }
    };
    let today = settings.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let db = Database::open(&settings.database_path()).await?;
    let query =
        KpiQuery { period, artist: args.artist, today, sparklines: false, store: None, platform: None };
    let report = match report(&db, &query).await {
        Ok(report) => report,
        Err(KpiError::Artist(err)) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::FAILURE);
        }
        Err(err) => return Err(err.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&report))?);
    } else {
        print!("{}", table(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn table(report: &KpiReport) -> String {
    let mut out = format!(
        "KPIs {} .. {}{}\n",
        report.from,
        report.to,
        report.artist.as_ref().map(|a| format!(" for {a}")).unwrap_or_default()
    );
    let show =
        |v: Option<&model::KpiValue>, id: KpiId| v.map_or("—".to_string(), |v| format::kpi_value(id, v));
    for area in Area::ALL {
        out.push_str(&format!("\n{}\n", area.label()));
        for &id in KpiId::ALL.iter().filter(|id| id.area() == area) {
            out.push_str(&format!(
                "  {:<34} {:>18}   previous {:>14}\n",
                id.label(),
                show(report.value(id), id),
                show(report.previous_value(id), id)
            ));
        }
    }
    out.push_str("\nData freshness (days since the latest data) and coverage\n");
    for (source, days) in &report.freshness {
        let days = days.map_or("no data".to_string(), |d| format!("{d} days"));
        let coverage = report
            .coverage
            .get(source)
            .and_then(Option::as_ref)
            .map(|c| format!("   data {} .. {}", c.from, c.to))
            .unwrap_or_default();
        out.push_str(&format!("  {:<22} {days:>8}{coverage}\n", source.display_name()));
    }
    if let Some(month) = &report.reported_through {
        out.push_str(&format!("\nStatements are reported through {month}.\n"));
    }
    for warning in &report.warnings {
        out.push_str(&format!("\nwarning: {warning}\n"));
    }
    out
}
