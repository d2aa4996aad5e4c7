use std::process::ExitCode;

use crate::{config::Settings, web::Application};

pub async fn run(settings: &Settings) -> anyhow::Result<ExitCode> {
    if !settings.site_dir.join("pkg").is_dir() {
        tracing::warn!(
            site_dir = %settings.site_dir.display(),
            "the site folder has no pkg/ (WASM, CSS): pages will render but not hydrate; \
             build it with scripts/build-site.sh or set SOUNDCHECK_SITE_DIR"
        );
    }
    let app = Application::build(settings).await?;
    let addr = app.local_addr()?;
    tracing::info!(
        %addr,
        data_dir = %settings.data_dir.display(),
        time_zone = %settings.time_zone,
        "Soundcheck is listening on http://{addr}"
    );
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}
