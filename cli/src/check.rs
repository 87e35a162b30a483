//! `kvet check` and `kvet test`.

use crate::args::{CheckArgs, FailOn, OutputFormat, TestArgs};
use crate::progress::Progress;
use kvet_engine::discover;
use kvet_engine::harness::{self, HarnessOptions};
use kvet_engine::report::{self, Format, RenderOptions};
use kvet_engine::{Severity, SourceFile, SourceMap};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// The inputs checked with one config: the paths whose nearest `.kvet.yaml` it is.
struct Group {
    /// The config file (`None`: defaults).
    file: Option<PathBuf>,
    paths: Vec<PathBuf>,
    stdin: bool,
}

/// Groups the paths (and stdin) by their config file, in the order of the file names.
fn groups(args: &CheckArgs, paths: &[PathBuf], stdin: bool, cwd: &Path) -> Vec<Group> {
    let mut map: std::collections::BTreeMap<Option<PathBuf>, Group> = std::collections::BTreeMap::new();
    let mut add = |file: Option<PathBuf>, path: Option<&PathBuf>| {
        let g = map.entry(file.clone()).or_insert_with(|| Group { file, paths: Vec::new(), stdin: false });
        match path {
            Some(p) => g.paths.push(p.clone()),
            None => g.stdin = true,
        }
    };
    for p in paths {
        // A file: from its directory; a directory (or a path that does not exist): from itself.
        let start = if p.is_file() { p.parent().unwrap_or(Path::new("")) } else { p.as_path() };
        add(crate::config_file_for(&args.pack, cwd, start), Some(p));
    }
    if stdin {
        add(crate::config_file_for(&args.pack, cwd, cwd), None);
    }
    map.into_values().collect()
}

fn report_format(format: OutputFormat) -> Format {
    match format {
        OutputFormat::Human => Format::Human,
        OutputFormat::Short => Format::Short,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Github => Format::Github,
        OutputFormat::Junit => Format::Junit,
    }
}

pub fn run(args: CheckArgs) -> i32 {
    crate::set_jobs(args.jobs);
    let _ = crate::ERROR_FORMAT.set(report_format(args.format));
    let tweak = |cfg: &mut kvet_engine::Config| {
        for id in &args.enable {
            cfg.rules.entry(id.clone()).or_default().enabled = Some(true);
        }
        for id in &args.disable {
            cfg.rules.entry(id.clone()).or_default().enabled = Some(false);
        }
        if let Some(select) = &args.select {
            // The command line replaces the configuration's list, so its entries have no place in the file.
            cfg.spans.retain(|key, _| !key.starts_with("select["));
            cfg.selection.select = Some(select.clone());
        }
        cfg.selection.profiles.extend(args.profile.iter().cloned());
        cfg.selection.ignore.extend(args.ignore.iter().cloned());
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    let paths: Vec<PathBuf> = if args.paths.is_empty() && !stdin {
        vec![PathBuf::from(".")]
    } else {
        args.paths.iter().filter(|p| p.as_os_str() != "-").cloned().collect()
    };
    let given = paths.len() + usize::from(stdin);
    let groups = groups(&args, &paths, stdin, &cwd);
    let several = groups.len() > 1;

    let mut progress = Progress::start(!args.quiet && std::io::stderr().is_terminal());
    let mut timer = kvet_engine::timing::Timer::from_env();
    progress.message("finding and reading files".to_owned());
    // Per group: config, pack, inputs (read at once when there is one group), files excluded.
    let mut runs = Vec::new();
    for group in &groups {
        let cfg = match crate::load_config_file(&args.pack, group.file.clone(), tweak) {
            Ok(cfg) => cfg,
            Err(code) => return code,
        };
        let filter = match cfg.filter() {
            Ok(f) => f,
            Err(e) => return crate::fail_with(e.into_report()),
        };
        // The pack compiles while the files are found and read: the directory walk keeps one thread, so the
        // pack costs the run nothing on two threads.
        let (pack, found) = rayon::join(
            || crate::load_pack(&args.pack, &cfg),
            || {
                if group.paths.is_empty() && args.context.is_none() {
                    return Ok((discover::Discovered::default(), None));
                }
                let found = discover::discover(&group.paths, args.context.as_deref(), &filter)?;
                // With several groups, a file may be reported by more than one: read after that is settled.
                let sources = (!several).then(|| discover::read(&found.inputs));
                Ok::<_, String>((found, sources))
            },
        );
        let pack = match pack {
            Ok(pack) => pack,
            Err(code) => return code,
        };
        let (found, sources) = match found {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
        runs.push((cfg, pack, found, sources));
    }
    if several {
        // A file reported by several groups (`kvet check . sub/x.yaml`, sub/ with its own config) is reported by
        // the one whose config is nearest to it (deepest); the others still see it as context.
        let depth =
            |file: &Option<PathBuf>| file.as_deref().map_or(0, |f| discover::absolute(&cwd, f).components().count());
        let mut owner: std::collections::HashMap<PathBuf, (usize, usize)> = std::collections::HashMap::new();
        for (gi, (cfg, ..)) in runs.iter().enumerate() {
            let d = depth(&cfg.file);
            for input in runs[gi].2.inputs.iter().filter(|i| i.reported) {
                let key = discover::absolute(&cwd, &input.path);
                let e = owner.entry(key).or_insert((d, gi));
                if d > e.0 {
                    *e = (d, gi);
                }
            }
        }
        for (gi, run) in runs.iter_mut().enumerate() {
            for input in run.2.inputs.iter_mut().filter(|i| i.reported) {
                if owner[&discover::absolute(&cwd, &input.path)].1 != gi {
                    input.reported = false;
                }
            }
            run.3 = Some(discover::read(&run.2.inputs));
        }
    }
    timer.phase("pack+discover+read");

    let reported: usize = runs.iter().map(|r| r.2.inputs.iter().filter(|i| i.reported).count()).sum();
    if reported == 0 && !stdin && !args.allow_empty {
        progress.finish();
        let excluded: usize = runs.iter().map(|r| r.2.excluded).sum();
        let by: Vec<String> = runs
            .iter()
            .filter(|r| r.2.excluded > 0)
            .filter_map(|r| r.0.file.as_ref().map(|f| f.display().to_string()))
            .collect();
        let plural = if given == 1 { "" } else { "s" };
        let why = if excluded == 0 {
            "no *.yaml, *.yml or *.json file in them".to_owned()
        } else {
            format!("{excluded} excluded by {}", by.join(", "))
        };
        eprintln!("error: no files to check ({given} path{plural} given; {why})");
        eprintln!("  help: pass --allow-empty to accept a run without files");
        return 2;
    }

    let mut stdin_bytes = None;
    if stdin {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            eprintln!("error: cannot read stdin: {e}");
            return 2;
        }
        stdin_bytes = Some(bytes);
    }
    let files: usize = runs.iter().map(|r| r.3.as_ref().map_or(0, SourceMap::len)).sum::<usize>() + usize::from(stdin);
    progress.message(format!("checking {files} files"));
    kvet_engine::release_at_exit(true); // the process ends after the report
    let mut reports = Vec::new();
    let mut packs = Vec::new();
    for ((cfg, pack, _, sources), group) in runs.into_iter().zip(&groups) {
        let mut sources = sources.unwrap_or_default();
        if group.stdin {
            if let Some(bytes) = stdin_bytes.take() {
                sources.add(SourceFile::from_bytes(args.stdin_name.clone(), bytes));
            }
        }
        let report = if args.parse_only {
            kvet_engine::eval::parse_only(sources, &cfg)
        } else {
            kvet_engine::check(sources, &pack, &cfg)
        };
        reports.push(report);
        packs.push(pack);
    }
    let report = kvet_engine::Report::merge(reports);
    // Rule descriptions and docs links come from the first group's pack (the built-in rules are in every pack).
    let pack = packs.into_iter().next().expect("at least one group");
    progress.finish();
    timer.phase("engine");

    let color = std::io::stdout().is_terminal() && !args.no_color && std::env::var_os("NO_COLOR").is_none();
    let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100);
    let terminal_opts = RenderOptions { color, width, ..RenderOptions::default() };
    let format = report_format(args.format);
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
            if let Some(input) = input_at(&report, path) {
                eprintln!("error: --output {} is the input file {input}: refusing to overwrite it", path.display());
                return 2;
            }
            if let Err(e) = write_replacing(path, &text) {
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
    if !crate::emit(&stdout_text) {
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
    crate::out!("{}", harness::render_summary(&run));
    let mut ok = run.ok();
    if args.coverage {
        crate::out!("{}", harness::coverage_table(&run));
        if !harness::coverage_ok(&run) {
            crate::out!("coverage: some rules lack a fixture where they fire or one where they stay quiet\n");
            ok = false;
        }
    }
    i32::from(!ok)
}

/// The input file of the run that `output` would overwrite (the same file once symlinks are resolved), if any.
fn input_at(report: &kvet_engine::Report, output: &Path) -> Option<String> {
    let resolve = |p: &Path| {
        p.canonicalize().ok().or_else(|| {
            // Not there yet: its directory resolved, plus the name.
            let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            Some(parent.canonicalize().ok()?.join(p.file_name()?))
        })
    };
    let target = resolve(output)?;
    let name = target.file_name()?;
    report.sources.iter().map(|(_, f)| f.name.as_str()).find_map(|input| {
        let p = Path::new(input);
        // Only a file of the same name can be the same file once resolved.
        if input == "-" || p.file_name().is_none() {
            return None;
        }
        let resolved = resolve(p)?;
        (resolved.file_name() == Some(name) && resolved == target).then(|| input.to_owned())
    })
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename, so that a reader
/// never sees half a report and a symlink at `path` is replaced rather than written through.
fn write_replacing(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| std::io::Error::other("not a file name"))?;
    let tmp = dir.join(format!(".{}.kvet-{}.tmp", name.to_string_lossy(), std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
