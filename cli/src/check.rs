//! `kvet check` and `kvet test`.

use crate::args::{CheckArgs, FailOn, OutputFormat, TestArgs};
use crate::progress::Progress;
use kvet_engine::discover::{self, Input};
use kvet_engine::harness::{self, HarnessOptions};
use kvet_engine::report::{self, Format, RenderOptions};
use kvet_engine::{Severity, SourceFile, SourceMap};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

pub fn run(args: CheckArgs) -> i32 {
    crate::set_jobs(args.jobs);
    let cfg = match crate::load_config(&args.pack, |cfg| {
        for id in &args.enable {
            cfg.rules.entry(id.clone()).or_default().enabled = Some(true);
        }
        for id in &args.disable {
            cfg.rules.entry(id.clone()).or_default().enabled = Some(false);
        }
    }) {
        Ok(x) => x,
        Err(code) => return code,
    };

    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    let paths: Vec<PathBuf> = if args.paths.is_empty() && !stdin {
        vec![PathBuf::from(".")]
    } else {
        args.paths.iter().filter(|p| p.as_os_str() != "-").cloned().collect()
    };
    let mut progress = Progress::start(!args.quiet && std::io::stderr().is_terminal());
    let mut timer = kvet_engine::timing::Timer::from_env();
    progress.message("finding and reading files".to_owned());
    // The pack compiles while the files are found and read: the directory walk keeps one thread, so the pack
    // costs the run nothing on two threads.
    let (pack, inputs) = rayon::join(
        || crate::load_pack(&args.pack, &cfg),
        || {
            if paths.is_empty() && args.context.is_none() {
                return Ok(SourceMap::default());
            }
            let inputs: Vec<Input> = discover::discover(&paths, args.context.as_deref(), &cfg.include, &cfg.exclude)?;
            Ok::<_, String>(discover::read(&inputs))
        },
    );
    let pack = match pack {
        Ok(pack) => pack,
        Err(code) => return code,
    };
    let mut sources = match inputs {
        Ok(sources) => sources,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    timer.phase("pack+discover+read");
    if stdin {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            eprintln!("error: cannot read stdin: {e}");
            return 2;
        }
        sources.add(SourceFile::from_bytes(args.stdin_name.clone(), bytes));
    }
    let sources: SourceMap = sources;

    progress.message(format!("checking {} files", sources.len()));
    kvet_engine::release_at_exit(true); // the process ends after the report
    let report = if args.parse_only {
        kvet_engine::eval::parse_only(sources, &cfg)
    } else {
        kvet_engine::check(sources, &pack, &cfg)
    };
    progress.finish();
    timer.phase("engine");

    let color = std::io::stdout().is_terminal() && !args.no_color && std::env::var_os("NO_COLOR").is_none();
    let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100);
    let terminal_opts = RenderOptions { color, width, ..RenderOptions::default() };
    let format = match args.format {
        OutputFormat::Human => Format::Human,
        OutputFormat::Short => Format::Short,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Github => Format::Github,
        OutputFormat::Junit => Format::Junit,
    };
    let human_or_summary = |opts: &RenderOptions| {
        if args.quiet {
            format!("{}\n", report::summary_line(&report))
        } else {
            report::render_with_pack(&report, Format::Human, opts, Some(&pack))
        }
    };
    // Stdout gets the chosen format, or the human report when the chosen format goes to --output.
    let stdout_text = match &args.output {
        Some(path) => {
            let file_opts = RenderOptions { color: false, ..terminal_opts.clone() };
            let text = if format == Format::Human {
                human_or_summary(&file_opts)
            } else {
                report::render_with_pack(&report, format, &file_opts, Some(&pack))
            };
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return 2;
            }
            human_or_summary(&terminal_opts)
        }
        None if format == Format::Human => human_or_summary(&terminal_opts),
        None => report::render_with_pack(&report, format, &terminal_opts, Some(&pack)),
    };
    if format == Format::Github {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            if let Err(e) = append(Path::new(&path), &report::step_summary(&report, Some(&pack))) {
                eprintln!("warning: cannot append the job summary to {}: {e}", Path::new(&path).display());
            }
        }
    }
    timer.phase("render");
    let mut out = std::io::stdout().lock();
    if out.write_all(stdout_text.as_bytes()).and_then(|_| out.flush()).is_err() {
        return 2;
    }
    let fail_on = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    report::exit_code(&report, fail_on)
}

/// Appends `text` to the file at `path` (GitHub's job summary file is shared by every step).
fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

pub fn test(args: TestArgs) -> i32 {
    crate::set_jobs(args.jobs);
    let (cfg, pack) = match crate::load(&args.pack, |_| {}) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if !args.dir.is_dir() {
        eprintln!("error: {}: not a directory of fixtures", args.dir.display());
        return 2;
    }
    let opts = HarnessOptions { bless: args.bless, ..HarnessOptions::default() };
    let mut run = harness::run_fixtures(&args.dir, &pack, &cfg, &opts);
    if !args.pack.rules.is_empty() || !cfg.rule_dirs.is_empty() {
        // A user's own pack: coverage is about their rules, not the built-in ones.
        run.coverage.retain(|c| pack.get(&c.rule).is_some_and(|r| !r.builtin));
    }
    print!("{}", harness::render_summary(&run));
    let mut ok = run.ok();
    if args.coverage {
        print!("{}", harness::coverage_table(&run));
        if !harness::coverage_ok(&run) {
            println!("coverage: some rules lack a fixture where they fire or one where they stay quiet");
            ok = false;
        }
    }
    i32::from(!ok)
}
