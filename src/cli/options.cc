#include "cli/options.h"

#include <fmt/format.h>

namespace machina::cli {

namespace {

/// Options that take an argument (leading dashes stripped).
constexpr std::string_view kWithArg[] = {
    "M",      "machine", "m",     "smp",     "cpu",    "accel",   "kernel", "initrd",
    "append", "bios",    "drive", "netdev",  "device", "serial",  "d",      "D",
    "qmp",    "L",       "gdb",   "monitor", "name",   "display", "vga",    "chardev",
};
constexpr std::string_view kFlags[] = {
    "nographic", "no-reboot", "s", "S", "version", "h", "help", "enable-kvm", "no-shutdown",
};

bool contains(const std::string_view* list, size_t n, std::string_view name) {
    for (size_t i = 0; i < n; ++i)
        if (list[i] == name) return true;
    return false;
}

Result<void> apply_smp(MachineConfig& c, std::string_view arg) {
    auto opts = TRY(SubOptions::parse(arg, "cpus"));
    TRY(opts.check_keys({"cpus", "maxcpus", "sockets", "dies", "clusters", "cores", "threads"},
                        "-smp"));
    uint64_t cpus = 1;
    if (auto v = opts.get("cpus")) {
        auto n = parse_number(*v);
        if (!n) return Error::make("-smp: '{}' is not a CPU count", *v);
        cpus = *n;
    } else {
        // cpus omitted: the product of the topology, as QEMU computes it.
        cpus = 1;
        for (auto key : {"sockets", "cores", "threads"}) {
            if (auto part = opts.get(key)) {
                auto n = parse_number(*part);
                if (!n) return Error::make("-smp: '{}={}' is not a number", key, *part);
                cpus *= *n;
            }
        }
    }
    if (cpus == 0 || cpus > 1024) return Error::make("-smp: {} CPUs is out of range", cpus);
    c.cpus = unsigned(cpus);
    return ok();
}

Result<void> apply_drive(MachineConfig& c, std::string_view arg) {
    auto opts = TRY(SubOptions::parse(arg));
    TRY(opts.check_keys({"file", "format", "if", "readonly", "snapshot", "id", "cache", "aio",
                         "media", "index", "discard"},
                        "-drive"));
    DriveConfig d;
    auto file = opts.get("file");
    if (!file || file->empty()) return Error::make("-drive: 'file=' is required");
    d.file = *file;
    if (auto v = opts.get("format")) d.format = *v;
    if (d.format != "raw" && d.format != "qcow2")
        return Error::make("-drive: unsupported format '{}' (raw or qcow2)", d.format);
    if (auto v = opts.get("if")) d.interface = *v;
    if (d.interface != "virtio" && d.interface != "none")
        return Error::make("-drive: unsupported interface 'if={}' (virtio or none)", d.interface);
    d.readonly = TRY(opts.get_bool("readonly", false, "-drive"));
    d.snapshot = TRY(opts.get_bool("snapshot", false, "-drive"));
    if (auto v = opts.get("id")) d.id = *v;
    d.raw = std::move(opts);
    c.drives.push_back(std::move(d));
    return ok();
}

Result<ObjectConfig> parse_object(std::string_view option, std::string_view arg,
                                  std::string_view type_key) {
    auto opts = TRY(SubOptions::parse(arg, type_key));
    ObjectConfig o;
    auto type = opts.get(type_key);
    if (!type || type->empty()) return Error::make("{}: a type is required", option);
    o.type = *type;
    if (auto id = opts.get("id")) o.id = *id;
    o.raw = std::move(opts);
    return o;
}

Result<SerialConfig> parse_serial(std::string_view arg) {
    SerialConfig s;
    if (arg == "stdio" || arg == "mon:stdio")
        s.kind = SerialConfig::Kind::Stdio;
    else if (arg == "pty")
        s.kind = SerialConfig::Kind::Pty;
    else if (arg == "none")
        s.kind = SerialConfig::Kind::None;
    else if (arg == "null")
        s.kind = SerialConfig::Kind::Null;
    else if (arg.starts_with("unix:")) {
        s.kind = SerialConfig::Kind::Unix;
        auto opts = TRY(SubOptions::parse(arg.substr(5), "path"));
        TRY(opts.check_keys({"path", "server", "wait", "nowait"}, "-serial unix:"));
        s.path = opts.get("path").value_or("");
        s.server = TRY(opts.get_bool("server", false, "-serial unix:"));
        if (s.path.empty()) return Error::make("-serial: unix: needs a socket path");
    } else if (arg.starts_with("file:")) {
        s.kind = SerialConfig::Kind::File;
        s.path = std::string(arg.substr(5));
        if (s.path.empty()) return Error::make("-serial: file: needs a path");
    } else {
        return Error::make("-serial: unsupported backend '{}' (stdio, pty, unix:PATH, file:PATH, "
                           "null or none)",
                           arg);
    }
    return s;
}

Result<void> apply(MachineConfig& c, std::string_view name, std::string_view arg) {
    if (name == "M" || name == "machine") {
        c.machine_options = TRY(SubOptions::parse(arg, "type"));
        if (auto t = c.machine_options.get("type")) c.machine = *t;
        if (auto a = c.machine_options.get("accel")) c.accel = *a;
    } else if (name == "m") {
        auto opts = TRY(SubOptions::parse(arg, "size"));
        auto size = opts.get("size");
        if (!size) return Error::make("-m: a size is required");
        auto bytes = parse_size(*size, 1ull << 20);
        if (!bytes) return Error::make("-m: {}", bytes.error().message);
        c.ram_bytes = *bytes;
    } else if (name == "smp") {
        TRY(apply_smp(c, arg));
    } else if (name == "cpu") {
        c.cpu_model = std::string(arg);
    } else if (name == "accel") {
        auto opts = TRY(SubOptions::parse(arg, "accel"));
        std::string a = opts.get("accel").value_or("");
        if (a == "tcg") a = "dbt";
        if (a != "kvm" && a != "dbt" && a != "interp")
            return Error::make("-accel: unknown accelerator '{}' (kvm, dbt or interp)", a);
        c.accel = a;
    } else if (name == "kernel") {
        c.kernel = std::string(arg);
    } else if (name == "initrd") {
        c.initrd = std::string(arg);
    } else if (name == "append") {
        c.append = std::string(arg);
    } else if (name == "bios") {
        c.bios = std::string(arg);
    } else if (name == "drive") {
        TRY(apply_drive(c, arg));
    } else if (name == "netdev") {
        c.netdevs.push_back(TRY(parse_object("-netdev", arg, "type")));
        if (c.netdevs.back().id.empty()) return Error::make("-netdev: 'id=' is required");
    } else if (name == "device") {
        c.devices.push_back(TRY(parse_object("-device", arg, "driver")));
    } else if (name == "chardev") {
        c.chardevs.push_back(TRY(parse_object("-chardev", arg, "backend")));
        if (c.chardevs.back().id.empty()) return Error::make("-chardev: 'id=' is required");
    } else if (name == "serial") {
        c.serials.push_back(TRY(parse_serial(arg)));
    } else if (name == "d") {
        c.log_items = std::string(arg);
    } else if (name == "D") {
        c.log_file = std::string(arg);
    } else if (name == "qmp") {
        c.qmp = std::string(arg);
    } else if (name == "gdb") {
        c.gdb = std::string(arg);
    } else if (name == "L") {
        c.data_dirs.emplace_back(arg);
    } else if (name == "enable-kvm") {
        c.accel = "kvm";
    } else if (name == "nographic") {
        c.nographic = true;
    } else if (name == "no-reboot") {
        c.no_reboot = true;
    } else if (name == "s") {
        c.gdb = "tcp::1234";
    } else if (name == "S") {
        c.start_paused = true;
    } else if (name == "version") {
        c.show_version = true;
    } else if (name == "h" || name == "help") {
        c.show_help = true;
    }
    // -monitor, -name, -display, -vga, -no-shutdown: accepted and ignored.
    return ok();
}

} // namespace

Result<MachineConfig> parse_command_line(const std::vector<std::string_view>& args) {
    MachineConfig c;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (a.size() < 2 || a[0] != '-')
            return Error::make("unexpected argument '{}' (options start with '-')", a);
        std::string_view name = a.substr(a[1] == '-' ? 2 : 1);
        std::optional<std::string_view> inline_value;
        if (auto eq = name.find('='); a[1] == '-' && eq != std::string_view::npos) {
            inline_value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (contains(kWithArg, std::size(kWithArg), name)) {
            std::string_view value;
            if (inline_value) {
                value = *inline_value;
            } else {
                if (i + 1 >= args.size())
                    return Error::make("option '-{}' needs an argument", name);
                value = args[++i];
            }
            auto r = apply(c, name, value);
            if (!r) {
                const std::string& msg = r.error().message;
                if (msg.starts_with("-")) return Error::make("{}", msg);
                return Error::make("-{}: {}", name, msg);
            }
        } else if (contains(kFlags, std::size(kFlags), name)) {
            if (inline_value) return Error::make("option '-{}' takes no argument", name);
            TRY(apply(c, name, {}));
        } else {
            return Error::make("unknown option '{}' (see -h)", a);
        }
    }
    return c;
}

std::string help_text(std::string_view program) {
    return fmt::format(
        "usage: {} [options]\n"
        "  -M, -machine TYPE[,accel=A]  board type (pc on x86-64; virt[,dumpdtb=FILE] on riscv64)\n"
        "  -m SIZE                      RAM size (bare number = MiB; k/M/G/T suffixes)\n"
        "  -smp N[,cpus=N,...]          number of vCPUs\n"
        "  -cpu MODEL                   CPU model (host on KVM)\n"
        "  -accel kvm|tcg|dbt|interp    execution engine (kvm on x86-64; tcg = dbt, interp on "
        "riscv64)\n"
        "  -kernel FILE                 kernel image (bzImage on x86-64; Image or ELF on riscv64)\n"
        "  -initrd FILE                 initial ramdisk\n"
        "  -append CMDLINE              kernel command line\n"
        "  -bios FILE|none|default      firmware image (riscv64: OpenSBI fw_dynamic by default)\n"
        "  -drive file=F[,format=raw,if=virtio,readonly=on,snapshot=on]\n"
        "  -netdev user,id=ID[,hostfwd=tcp::HOSTPORT-:GUESTPORT]\n"
        "  -netdev tap,id=ID,ifname=NAME|fd=N[,script=no,downscript=no,vnet_hdr=on]\n"
        "                               network backend: user-mode (slirp) or a host tap\n"
        "  -chardev stdio|null|pty|file,path=P|socket,path=P[,server=on],id=ID\n"
        "                               host end of a virtconsole\n"
        "  -device DRIVER[,...]         add a device: virtio-blk-device,drive=ID, "
        "virtio-net-device,netdev=ID[,mac=M],\n"
        "                               virtio-rng-device, virtio-serial-device, "
        "virtconsole,chardev=ID;\n"
        "                               x86-64 also isa-debug-exit[,iobase=0xf4], "
        "machina-testdev\n"
        "  -nographic                   no display; serial on stdio (Ctrl-A X quits, Ctrl-A C "
        "monitor "
        "on riscv64)\n"
        "  -serial stdio|pty|unix:PATH|file:PATH|null|none\n"
        "  -no-reboot                   exit instead of rebooting\n"
        "  -d ITEMS / -D FILE           log categories (-d help) / log file\n"
        "  -qmp DEV                     QMP monitor\n"
        "  -s / -S                      gdb server on tcp::1234 / start paused\n"
        "  -L DIR                       firmware search directory\n"
        "  --version, -h                version, this help\n",
        program);
}

} // namespace machina::cli
