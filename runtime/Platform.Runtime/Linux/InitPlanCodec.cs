using System.Text;
using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Linux;

/// <summary>
/// The init plan on the wire between the host and the container's init: a flat, length-prefixed binary
/// encoding of exactly the fields the init acts on, written and read by hand.
/// Why not JSON: every init is a fresh NativeAOT process, and System.Text.Json configures its metadata for
/// each of the ~30 spec types on first use (custom-attribute lookups, a converter per type that asks
/// Type.Assembly, allocations the GC must clear). Deserializing the plan was the largest single cost of the
/// init here (~9% of all CPU of a create/start/delete cycle). This reader does no reflection and allocates
/// only the plan itself. Host and init are always the same build (the init is this binary), so the format
/// needs no versioning; a short or malformed plan fails with an error, never with a partial container.
/// What the init does not use stays behind: resources (the host applies cgroups), the VM section, and the
/// seccomp rules, which travel compiled (the host compiles them, so create reports a bad filter before any
/// process exists).
/// </summary>
internal static class InitPlanCodec
{
    public static byte[] Encode(InitPlan plan)
    {
        using var stream = new MemoryStream(4096);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            var writer = new Writer(w);
            writer.String(plan.Id);
            writer.String(plan.Bundle);
            writer.String(plan.Rootfs);
            w.Write(plan.ConsoleSocket);
            writer.Map(plan.CgroupSources);
            writer.Optional(plan.Seccomp, (x, s) =>
            {
                x.W.Write((uint)s.Flags);
                x.Bytes(s.ToBytes());
            });
            writer.Spec(plan.Spec);
        }
        return stream.ToArray();
    }

    public static InitPlan Decode(byte[] payload)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
            var reader = new Reader(r);
            var plan = new InitPlan
            {
                Id = reader.RequiredString(),
                Bundle = reader.RequiredString(),
                Rootfs = reader.RequiredString(),
                ConsoleSocket = r.ReadBoolean(),
                CgroupSources = reader.Map(),
                Seccomp = reader.Optional(x =>
                {
                    var flags = (SeccompFilterFlags)x.R.ReadUInt32();
                    return SeccompProgram.FromBytes(x.Bytes(), flags);
                }),
                Spec = reader.Spec(),
            };
            if (r.BaseStream.Position != payload.Length)
            {
                throw new InvalidDataException($"{payload.Length - r.BaseStream.Position} bytes after the plan");
            }

            return plan;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException or ArgumentException or FormatException)
        {
            throw new RuntimeException(RuntimeErrorKind.Internal, $"init: malformed plan ({e.Message}); is the init binary built from this version?", e);
        }
    }

    private readonly struct Writer(BinaryWriter w)
    {
        public BinaryWriter W => w;

        public void String(string? value)
        {
            w.Write(value is not null);
            if (value is not null)
            {
                w.Write(value);
            }
        }

        public void Bytes(byte[] value)
        {
            w.Write(value.Length);
            w.Write(value);
        }

        public void Optional<T>(T? value, Action<Writer, T> write) where T : class
        {
            w.Write(value is not null);
            if (value is not null)
            {
                write(this, value);
            }
        }

        public void List<T>(List<T>? items, Action<Writer, T> write)
        {
            w.Write(items?.Count ?? -1);
            foreach (var item in items ?? [])
            {
                write(this, item);
            }
        }

        public void Strings(List<string>? items) => List(items, (x, s) => x.String(s));

        public void Map(Dictionary<string, string>? map)
        {
            w.Write(map?.Count ?? -1);
            foreach (var (key, value) in map ?? [])
            {
                w.Write(key);
                w.Write(value);
            }
        }

        public void NullableUInt(uint? value)
        {
            w.Write(value.HasValue);
            if (value.HasValue)
            {
                w.Write(value.Value);
            }
        }

        public void Spec(RuntimeSpec spec)
        {
            String(spec.OciVersion);
            Optional(spec.Root, (x, root) =>
            {
                x.String(root.Path);
                x.W.Write(root.Readonly);
            });
            List(spec.Mounts, (x, m) =>
            {
                x.String(m.Destination);
                x.String(m.Source);
                x.Strings(m.Options);
                x.String(m.Type);
                x.IdMappings(m.UidMappings);
                x.IdMappings(m.GidMappings);
            });
            Optional(spec.Process, (x, p) => x.Process(p));
            String(spec.Hostname);
            String(spec.Domainname);
            Optional(spec.Hooks, (x, hooks) =>
            {
                x.Hooks(hooks.CreateContainer);
                x.Hooks(hooks.StartContainer);
            });
            Map(spec.Annotations);
            Optional(spec.Linux, (x, linux) => x.Linux(linux));
        }

        private void Process(Spec.Process p)
        {
            w.Write(p.Terminal);
            Optional(p.ConsoleSize, (x, size) =>
            {
                x.W.Write(size.Height);
                x.W.Write(size.Width);
            });
            Optional(p.User, (x, user) =>
            {
                x.W.Write(user.Uid);
                x.W.Write(user.Gid);
                x.NullableUInt(user.Umask);
                x.List(user.AdditionalGids, (y, gid) => y.W.Write(gid));
                x.String(user.Username);
            });
            Strings(p.Args);
            Strings(p.Env);
            String(p.Cwd);
            Optional(p.Capabilities, (x, caps) =>
            {
                x.Strings(caps.Bounding);
                x.Strings(caps.Effective);
                x.Strings(caps.Inheritable);
                x.Strings(caps.Permitted);
                x.Strings(caps.Ambient);
            });
            List(p.Rlimits, (x, limit) =>
            {
                x.String(limit.Type);
                x.W.Write(limit.Hard);
                x.W.Write(limit.Soft);
            });
            w.Write(p.NoNewPrivileges);
            w.Write(p.OomScoreAdj.HasValue);
            if (p.OomScoreAdj is { } adj)
            {
                w.Write(adj);
            }

            String(p.ApparmorProfile);
            String(p.SelinuxLabel);
            Optional(p.IoPriority, (x, io) =>
            {
                x.String(io.Class);
                x.W.Write(io.Priority);
            });
        }

        private void Hooks(List<Hook>? hooks) => List(hooks, (x, hook) =>
        {
            x.String(hook.Path);
            x.Strings(hook.Args);
            x.Strings(hook.Env);
            x.W.Write(hook.Timeout.HasValue);
            if (hook.Timeout is { } timeout)
            {
                x.W.Write(timeout);
            }
        });

        private void IdMappings(List<IdMapping>? mappings) => List(mappings, (x, m) =>
        {
            x.W.Write(m.ContainerId);
            x.W.Write(m.HostId);
            x.W.Write(m.Size);
        });

        private void Linux(Spec.Linux linux)
        {
            List(linux.Namespaces, (x, ns) =>
            {
                x.String(ns.Type);
                x.String(ns.Path);
            });
            IdMappings(linux.UidMappings);
            IdMappings(linux.GidMappings);
            List(linux.Devices, (x, d) =>
            {
                x.String(d.Type);
                x.String(d.Path);
                x.W.Write(d.Major);
                x.W.Write(d.Minor);
                x.NullableUInt(d.FileMode);
                x.NullableUInt(d.Uid);
                x.NullableUInt(d.Gid);
            });
            String(linux.RootfsPropagation);
            Map(linux.Sysctl);
            Strings(linux.MaskedPaths);
            Strings(linux.ReadonlyPaths);
            String(linux.MountLabel);
            Optional(linux.Personality, (x, personality) =>
            {
                x.String(personality.Domain);
                x.Strings(personality.Flags);
            });
        }
    }

    private readonly struct Reader(BinaryReader r)
    {
        /// <summary>No list, map or blob in a plan is anywhere near this; a bigger count is corruption.</summary>
        private const int MaxCount = 1 << 20;

        public BinaryReader R => r;

        public string? String() => r.ReadBoolean() ? r.ReadString() : null;

        public string RequiredString() => String() ?? throw new InvalidDataException("a required string is missing");

        public byte[] Bytes()
        {
            var count = Count(allowNull: false);
            var bytes = r.ReadBytes(count);
            return bytes.Length == count ? bytes : throw new EndOfStreamException();
        }

        public T? Optional<T>(Func<Reader, T> read) where T : class => r.ReadBoolean() ? read(this) : null;

        public List<T>? List<T>(Func<Reader, T> read)
        {
            var count = Count(allowNull: true);
            if (count < 0)
            {
                return null;
            }

            var items = new List<T>(count);
            for (var i = 0; i < count; i++)
            {
                items.Add(read(this));
            }

            return items;
        }

        public List<string>? Strings() => List(x => x.RequiredString());

        public Dictionary<string, string>? Map()
        {
            var count = Count(allowNull: true);
            if (count < 0)
            {
                return null;
            }

            var map = new Dictionary<string, string>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                map[r.ReadString()] = r.ReadString();
            }

            return map;
        }

        public uint? NullableUInt() => r.ReadBoolean() ? r.ReadUInt32() : null;

        private int Count(bool allowNull)
        {
            var count = r.ReadInt32();
            if (count < (allowNull ? -1 : 0) || count > MaxCount)
            {
                throw new InvalidDataException($"count {count} out of range");
            }

            return count;
        }

        public RuntimeSpec Spec() => new()
        {
            OciVersion = String(),
            Root = Optional(x => new Root { Path = x.String(), Readonly = x.R.ReadBoolean() }),
            Mounts = List(x => new Mount
            {
                Destination = x.String(),
                Source = x.String(),
                Options = x.Strings(),
                Type = x.String(),
                UidMappings = x.IdMappings(),
                GidMappings = x.IdMappings(),
            }),
            Process = Optional(x => x.Process()),
            Hostname = String(),
            Domainname = String(),
            Hooks = Optional(x => new Spec.Hooks { CreateContainer = x.Hooks(), StartContainer = x.Hooks() }),
            Annotations = Map(),
            Linux = Optional(x => x.Linux()),
        };

        private Spec.Process Process() => new()
        {
            Terminal = r.ReadBoolean(),
            ConsoleSize = Optional(x => new ConsoleSize { Height = x.R.ReadUInt32(), Width = x.R.ReadUInt32() }),
            User = Optional(x => new User
            {
                Uid = x.R.ReadUInt32(),
                Gid = x.R.ReadUInt32(),
                Umask = x.NullableUInt(),
                AdditionalGids = x.List(y => y.R.ReadUInt32()),
                Username = x.String(),
            }),
            Args = Strings(),
            Env = Strings(),
            Cwd = String(),
            Capabilities = Optional(x => new Capabilities
            {
                Bounding = x.Strings(),
                Effective = x.Strings(),
                Inheritable = x.Strings(),
                Permitted = x.Strings(),
                Ambient = x.Strings(),
            }),
            Rlimits = List(x => new Rlimit { Type = x.String(), Hard = x.R.ReadUInt64(), Soft = x.R.ReadUInt64() }),
            NoNewPrivileges = r.ReadBoolean(),
            OomScoreAdj = r.ReadBoolean() ? r.ReadInt32() : null,
            ApparmorProfile = String(),
            SelinuxLabel = String(),
            IoPriority = Optional(x => new IoPriority { Class = x.String(), Priority = x.R.ReadInt32() }),
        };

        private List<Hook>? Hooks() => List(x => new Hook
        {
            Path = x.String(),
            Args = x.Strings(),
            Env = x.Strings(),
            Timeout = x.R.ReadBoolean() ? x.R.ReadInt32() : null,
        });

        private List<IdMapping>? IdMappings() => List(x => new IdMapping
        {
            ContainerId = x.R.ReadUInt32(),
            HostId = x.R.ReadUInt32(),
            Size = x.R.ReadUInt32(),
        });

        private Spec.Linux Linux() => new()
        {
            Namespaces = List(x => new Namespace { Type = x.String(), Path = x.String() }),
            UidMappings = IdMappings(),
            GidMappings = IdMappings(),
            Devices = List(x => new Device
            {
                Type = x.String(),
                Path = x.String(),
                Major = x.R.ReadInt64(),
                Minor = x.R.ReadInt64(),
                FileMode = x.NullableUInt(),
                Uid = x.NullableUInt(),
                Gid = x.NullableUInt(),
            }),
            RootfsPropagation = String(),
            Sysctl = Map(),
            MaskedPaths = Strings(),
            ReadonlyPaths = Strings(),
            MountLabel = String(),
            Personality = Optional(x => new Personality { Domain = x.String(), Flags = x.Strings() }),
        };
    }
}
