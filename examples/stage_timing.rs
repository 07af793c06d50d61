use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(&args[1]);
    let t = Instant::now();
    let files = protoguard::compile::find_protos(&dir, &[]).unwrap();
    eprintln!("find: {:?} ({} files)", t.elapsed(), files.len());
    let t = Instant::now();
    let mut n = 0usize;
    for f in &files {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        let p = protox_parse::parse(f, &text).unwrap();
        n += p.message_type.len();
    }
    eprintln!("parse only: {:?} ({n} top msgs)", t.elapsed());
    let t = Instant::now();
    let mut c = protox::Compiler::new([&dir]).unwrap();
    c.include_imports(true).include_source_info(true);
    for f in &files {
        c.open_file(f).unwrap();
    }
    eprintln!("protox compile: {:?}", t.elapsed());
    let t = Instant::now();
    let bytes = c.encode_file_descriptor_set();
    eprintln!("encode: {:?} ({} MB)", t.elapsed(), bytes.len() / 1_000_000);
    let t = Instant::now();
    let set: protoguard::descriptor::FileDescriptorSet =
        prost::Message::decode(bytes.as_slice()).unwrap();
    eprintln!("decode: {:?}", t.elapsed());
    let t = Instant::now();
    let inputs = set
        .file
        .into_iter()
        .map(|proto| protoguard::index::InputFile {
            display: String::new(),
            module_root: ".".into(),
            content_id: None,
            is_import: false,
            origin: None,
            proto,
        })
        .collect();
    let idx = protoguard::index::Index::build(inputs);
    eprintln!("index: {:?} ({} msgs)", t.elapsed(), idx.messages.len());
}
