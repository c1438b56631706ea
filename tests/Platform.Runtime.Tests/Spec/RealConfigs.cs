namespace Platform.Runtime.Tests.SpecReading;

/// <summary>config.json files as other tools write them, verbatim, for reader equivalence tests.</summary>
internal static class RealConfigs
{
    /// <summary>What `runc spec` (runc 1.1.5) writes.</summary>
    public const string RuncSpec = """
        {
        	"ociVersion": "1.0.2-dev",
        	"process": {
        		"terminal": true,
        		"user": {
        			"uid": 0,
        			"gid": 0
        		},
        		"args": [
        			"sh"
        		],
        		"env": [
        			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        			"TERM=xterm"
        		],
        		"cwd": "/",
        		"capabilities": {
        			"bounding": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			],
        			"effective": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			],
        			"permitted": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			],
        			"ambient": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			]
        		},
        		"rlimits": [
        			{
        				"type": "RLIMIT_NOFILE",
        				"hard": 1024,
        				"soft": 1024
        			}
        		],
        		"noNewPrivileges": true
        	},
        	"root": {
        		"path": "rootfs",
        		"readonly": true
        	},
        	"hostname": "runc",
        	"mounts": [
        		{
        			"destination": "/proc",
        			"type": "proc",
        			"source": "proc"
        		},
        		{
        			"destination": "/dev",
        			"type": "tmpfs",
        			"source": "tmpfs",
        			"options": [
        				"nosuid",
        				"strictatime",
        				"mode=755",
        				"size=65536k"
        			]
        		},
        		{
        			"destination": "/dev/pts",
        			"type": "devpts",
        			"source": "devpts",
        			"options": [
        				"nosuid",
        				"noexec",
        				"newinstance",
        				"ptmxmode=0666",
        				"mode=0620",
        				"gid=5"
        			]
        		},
        		{
        			"destination": "/dev/shm",
        			"type": "tmpfs",
        			"source": "shm",
        			"options": [
        				"nosuid",
        				"noexec",
        				"nodev",
        				"mode=1777",
        				"size=65536k"
        			]
        		},
        		{
        			"destination": "/dev/mqueue",
        			"type": "mqueue",
        			"source": "mqueue",
        			"options": [
        				"nosuid",
        				"noexec",
        				"nodev"
        			]
        		},
        		{
        			"destination": "/sys",
        			"type": "sysfs",
        			"source": "sysfs",
        			"options": [
        				"nosuid",
        				"noexec",
        				"nodev",
        				"ro"
        			]
        		},
        		{
        			"destination": "/sys/fs/cgroup",
        			"type": "cgroup",
        			"source": "cgroup",
        			"options": [
        				"nosuid",
        				"noexec",
        				"nodev",
        				"relatime",
        				"ro"
        			]
        		}
        	],
        	"linux": {
        		"resources": {
        			"devices": [
        				{
        					"allow": false,
        					"access": "rwm"
        				}
        			]
        		},
        		"namespaces": [
        			{
        				"type": "pid"
        			},
        			{
        				"type": "network"
        			},
        			{
        				"type": "ipc"
        			},
        			{
        				"type": "uts"
        			},
        			{
        				"type": "mount"
        			}
        		],
        		"maskedPaths": [
        			"/proc/acpi",
        			"/proc/asound",
        			"/proc/kcore",
        			"/proc/keys",
        			"/proc/latency_stats",
        			"/proc/timer_list",
        			"/proc/timer_stats",
        			"/proc/sched_debug",
        			"/sys/firmware",
        			"/proc/scsi"
        		],
        		"readonlyPaths": [
        			"/proc/bus",
        			"/proc/fs",
        			"/proc/irq",
        			"/proc/sys",
        			"/proc/sysrq-trigger"
        		]
        	}
        }
        """;

    /// <summary>What `runc spec --rootless` (runc 1.1.5) writes.</summary>
    public const string RuncRootlessSpec = """
        {
        	"ociVersion": "1.0.2-dev",
        	"process": {
        		"terminal": true,
        		"user": {
        			"uid": 0,
        			"gid": 0
        		},
        		"args": [
        			"sh"
        		],
        		"env": [
        			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        			"TERM=xterm"
        		],
        		"cwd": "/",
        		"capabilities": {
        			"bounding": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			],
        			"effective": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			],
        			"permitted": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			],
        			"ambient": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			]
        		},
        		"rlimits": [
        			{
        				"type": "RLIMIT_NOFILE",
        				"hard": 1024,
        				"soft": 1024
        			}
        		],
        		"noNewPrivileges": true
        	},
        	"root": {
        		"path": "rootfs",
        		"readonly": true
        	},
        	"hostname": "runc",
        	"mounts": [
        		{
        			"destination": "/proc",
        			"type": "proc",
        			"source": "proc"
        		},
        		{
        			"destination": "/dev",
        			"type": "tmpfs",
        			"source": "tmpfs",
        			"options": [
        				"nosuid",
        				"strictatime",
        				"mode=755",
        				"size=65536k"
        			]
        		},
        		{
        			"destination": "/dev/pts",
        			"type": "devpts",
        			"source": "devpts",
        			"options": [
        				"nosuid",
        				"noexec",
        				"newinstance",
        				"ptmxmode=0666",
        				"mode=0620"
        			]
        		},
        		{
        			"destination": "/dev/shm",
        			"type": "tmpfs",
        			"source": "shm",
        			"options": [
        				"nosuid",
        				"noexec",
        				"nodev",
        				"mode=1777",
        				"size=65536k"
        			]
        		},
        		{
        			"destination": "/dev/mqueue",
        			"type": "mqueue",
        			"source": "mqueue",
        			"options": [
        				"nosuid",
        				"noexec",
        				"nodev"
        			]
        		},
        		{
        			"destination": "/sys",
        			"type": "none",
        			"source": "/sys",
        			"options": [
        				"rbind",
        				"nosuid",
        				"noexec",
        				"nodev",
        				"ro"
        			]
        		},
        		{
        			"destination": "/sys/fs/cgroup",
        			"type": "cgroup",
        			"source": "cgroup",
        			"options": [
        				"nosuid",
        				"noexec",
        				"nodev",
        				"relatime",
        				"ro"
        			]
        		}
        	],
        	"linux": {
        		"uidMappings": [
        			{
        				"containerID": 0,
        				"hostID": 0,
        				"size": 1
        			}
        		],
        		"gidMappings": [
        			{
        				"containerID": 0,
        				"hostID": 0,
        				"size": 1
        			}
        		],
        		"namespaces": [
        			{
        				"type": "pid"
        			},
        			{
        				"type": "ipc"
        			},
        			{
        				"type": "uts"
        			},
        			{
        				"type": "mount"
        			},
        			{
        				"type": "user"
        			}
        		],
        		"maskedPaths": [
        			"/proc/acpi",
        			"/proc/asound",
        			"/proc/kcore",
        			"/proc/keys",
        			"/proc/latency_stats",
        			"/proc/timer_list",
        			"/proc/timer_stats",
        			"/proc/sched_debug",
        			"/sys/firmware",
        			"/proc/scsi"
        		],
        		"readonlyPaths": [
        			"/proc/bus",
        			"/proc/fs",
        			"/proc/irq",
        			"/proc/sys",
        			"/proc/sysrq-trigger"
        		]
        	}
        }
        """;

    /// <summary>What `crun spec` (crun 1.8.1): leading blanks, tabs, an empty array writes.</summary>
    public const string CrunSpec = """
          {
        	"ociVersion": "1.0.0",
        	"process": {
        		"terminal": true,
        		"user": {
        			"uid": 0,
        			"gid": 0
        		},
        		"args": [
        			"sh"
        		],
        		"env": [
        			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        			"TERM=xterm"
        		],
        		"cwd": "/",
        		"capabilities": {
        			"bounding": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			],
        			"effective": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			],
        			"inheritable": [
        			],
        			"permitted": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			],
        			"ambient": [
        				"CAP_AUDIT_WRITE",
        				"CAP_KILL",
        				"CAP_NET_BIND_SERVICE"
        			]
        		},
        		"rlimits": [
        			{
        				"type": "RLIMIT_NOFILE",
        				"hard": 1024,
        				"soft": 1024
        			}
        		],
        		"noNewPrivileges": true
        	},
        	"root": {
        		"path": "rootfs",
        		"readonly": true
        	},
        	"hostname": "crun",
        	"mounts": [
        		{
        			"destination": "/proc",
        			"type": "proc",
        			"source": "proc"
        		},
        		{
        			"destination": "/dev",
        			"type": "tmpfs",
        			"source": "tmpfs",
        			"options": [
        				"nosuid",
        				"strictatime",
        				"mode=755",
        				"size=65536k"
        			]
        		},
        		{
        			"destination": "/dev/pts",
        			"type": "devpts",
        			"source": "devpts",
        			"options": [
        				"nosuid",
        				"noexec",
        				"newinstance",
        				"ptmxmode=0666",
        				"mode=0620",
        				"gid=5"
        			]
        		},
        		{
        			"destination": "/dev/shm",
        			"type": "tmpfs",
        			"source": "shm",
        			"options": [
        				"nosuid",
        				"noexec",
        				"nodev",
        				"mode=1777",
        				"size=65536k"
        			]
        		},
        		{
        			"destination": "/dev/mqueue",
        			"type": "mqueue",
        			"source": "mqueue",
        			"options": [
        				"nosuid",
        				"noexec",
        				"nodev"
        			]
        		},
        		{
        			"destination": "/sys",
        			"type": "sysfs",
        			"source": "sysfs",
        			"options": [
        				"nosuid",
        				"noexec",
        				"nodev",
        				"ro"
        			]
        		},
        		{
        			"destination": "/sys/fs/cgroup",
        			"type": "cgroup",
        			"source": "cgroup",
        			"options": [
        				"nosuid",
        				"noexec",
        				"nodev",
        				"relatime",
        				"ro"
        			]
        		}
        	],
        	"linux": {
        		"resources": {
        			"devices": [
        				{
        					"allow": false,
        					"access": "rwm"
        				}
        			]
        		},
        		"namespaces": [
        			{
        				"type": "pid"
        			},
        			{
        				"type": "network"
        			},
        			{
        				"type": "ipc"
        			},
        			{
        				"type": "uts"
        			},
        			{
        				"type": "mount"
        			}
        		],
        		"maskedPaths": [
        			"/proc/acpi",
        			"/proc/asound",
        			"/proc/kcore",
        			"/proc/keys",
        			"/proc/latency_stats",
        			"/proc/timer_list",
        			"/proc/timer_stats",
        			"/proc/sched_debug",
        			"/sys/firmware",
        			"/proc/scsi"
        		],
        		"readonlyPaths": [
        			"/proc/bus",
        			"/proc/fs",
        			"/proc/irq",
        			"/proc/sys",
        			"/proc/sysrq-trigger"
        		]
        	}
        }
        """;

    /// <summary>The bundle config the API tests upload (tests/Platform.Api.Tests/Infrastructure/TestBundles.cs).</summary>
    public const string ApiTestConfig = """
        {
          "ociVersion": "1.0.2",
          "root": { "path": "rootfs" },
          "process": { "args": ["/bin/httpd", "-f"], "cwd": "/", "env": ["PATH=/bin"] }
        }
        """;
}
