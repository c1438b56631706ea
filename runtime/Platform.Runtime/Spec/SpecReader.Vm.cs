using System.Text.Json;

namespace Platform.Runtime.Spec;

/// <summary>The `vm` section (config-vm.md).</summary>
internal static partial class SpecReader
{
    private static Vm? ReadVm(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var vm = new Vm();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "hypervisor"u8))
            {
                vm.Hypervisor = ReadVmHypervisor(ref Next(ref json));
            }
            else if (Is(ref json, "kernel"u8))
            {
                vm.Kernel = ReadVmKernel(ref Next(ref json));
            }
            else if (Is(ref json, "image"u8))
            {
                vm.Image = ReadVmImage(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return vm;
    }

    private static VmHypervisor? ReadVmHypervisor(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var hypervisor = new VmHypervisor();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "path"u8))
            {
                hypervisor.Path = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "parameters"u8))
            {
                hypervisor.Parameters = ReadStrings(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return hypervisor;
    }

    private static VmKernel? ReadVmKernel(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var kernel = new VmKernel();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "path"u8))
            {
                kernel.Path = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "parameters"u8))
            {
                kernel.Parameters = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "initrd"u8))
            {
                kernel.Initrd = ReadString(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return kernel;
    }

    private static VmImage? ReadVmImage(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var image = new VmImage();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "path"u8))
            {
                image.Path = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "format"u8))
            {
                image.Format = ReadString(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return image;
    }
}
