namespace Platform.Runtime.Seccomp;

/// <summary>
/// Assembles a classic BPF program with symbolic forward jumps. Conditional jumps only reach 255 instructions
/// ahead (8-bit jt/jf); a branch whose target lies further is rewritten to hop over an unconditional
/// <c>ja</c> (32-bit offset), as libseccomp does. Layout is iterated to a fixed point because every rewrite
/// moves the code after it.
/// </summary>
internal sealed class BpfBuilder
{
    private readonly List<Node> _nodes = [];
    private readonly List<int> _labelNodes = [];

    public readonly record struct Label(int Id);

    public Label NewLabel()
    {
        _labelNodes.Add(-1);
        return new Label(_labelNodes.Count - 1);
    }

    public void Mark(Label label)
    {
        if (_labelNodes[label.Id] >= 0)
        {
            throw new InvalidOperationException($"label {label.Id} marked twice");
        }
        _labelNodes[label.Id] = _nodes.Count;
        _nodes.Add(new Node(NodeKind.Mark, 0, 0, null, null));
    }

    public void Load(uint offset) => _nodes.Add(new Node(NodeKind.Statement, Bpf.LdAbsW, offset, null, null));

    public void And(uint mask) => _nodes.Add(new Node(NodeKind.Statement, Bpf.AluAndK, mask, null, null));

    public void Return(uint value) => _nodes.Add(new Node(NodeKind.Statement, Bpf.RetK, value, null, null));

    /// <summary>A conditional jump; a null target means the next instruction.</summary>
    public void Jump(ushort op, uint k, Label? whenTrue, Label? whenFalse) =>
        _nodes.Add(new Node(NodeKind.Conditional, (ushort)(Bpf.Jmp | op | Bpf.K), k, whenTrue, whenFalse));

    public void Goto(Label target) => _nodes.Add(new Node(NodeKind.Always, Bpf.Jmp | Bpf.Ja, 0, target, null));

    public SockFilter[] Build()
    {
        for (int i = 0; i < _labelNodes.Count; i++)
        {
            if (_labelNodes[i] < 0)
            {
                throw new InvalidOperationException($"label {i} never marked");
            }
        }

        var farTrue = new bool[_nodes.Count];
        var farFalse = new bool[_nodes.Count];
        int[] positions;
        while (true)
        {
            positions = Layout(farTrue, farFalse);
            bool changed = false;
            for (int n = 0; n < _nodes.Count; n++)
            {
                if (_nodes[n].Kind != NodeKind.Conditional)
                {
                    continue;
                }
                int next = positions[n] + 1;
                if (!farTrue[n] && Target(n, _nodes[n].WhenTrue, positions, farTrue, farFalse) - next > byte.MaxValue)
                {
                    farTrue[n] = changed = true;
                }
                if (!farFalse[n] && Target(n, _nodes[n].WhenFalse, positions, farTrue, farFalse) - next > byte.MaxValue)
                {
                    farFalse[n] = changed = true;
                }
            }
            if (!changed)
            {
                break;
            }
        }

        var program = new List<SockFilter>(_nodes.Count);
        for (int n = 0; n < _nodes.Count; n++)
        {
            var node = _nodes[n];
            int p = positions[n];
            switch (node.Kind)
            {
                case NodeKind.Statement:
                    program.Add(new SockFilter(node.Code, 0, 0, node.K));
                    break;
                case NodeKind.Always:
                    program.Add(new SockFilter(node.Code, 0, 0, Forward(Target(n, node.WhenTrue, positions, farTrue, farFalse) - (p + 1))));
                    break;
                case NodeKind.Conditional:
                    int t = Target(n, node.WhenTrue, positions, farTrue, farFalse);
                    int f = Target(n, node.WhenFalse, positions, farTrue, farFalse);
                    // Trampolines sit right after the branch: first the one for true, then the one for false.
                    int trampoline = p + 1;
                    byte jt = farTrue[n] ? (byte)0 : Short(t - (p + 1));
                    byte jf = farFalse[n] ? (byte)(farTrue[n] ? 1 : 0) : Short(f - (p + 1));
                    program.Add(new SockFilter(node.Code, jt, jf, node.K));
                    if (farTrue[n])
                    {
                        program.Add(new SockFilter(Bpf.Jmp | Bpf.Ja, 0, 0, Forward(t - (trampoline + 1))));
                        trampoline++;
                    }
                    if (farFalse[n])
                    {
                        program.Add(new SockFilter(Bpf.Jmp | Bpf.Ja, 0, 0, Forward(f - (trampoline + 1))));
                    }
                    break;
            }
        }
        return [.. program];
    }

    private int[] Layout(bool[] farTrue, bool[] farFalse)
    {
        var positions = new int[_nodes.Count + 1];
        int pc = 0;
        for (int n = 0; n < _nodes.Count; n++)
        {
            positions[n] = pc;
            pc += Size(n, farTrue, farFalse);
        }
        positions[_nodes.Count] = pc;
        return positions;
    }

    private int Size(int n, bool[] farTrue, bool[] farFalse) => _nodes[n].Kind switch
    {
        NodeKind.Mark => 0,
        NodeKind.Conditional => 1 + (farTrue[n] ? 1 : 0) + (farFalse[n] ? 1 : 0),
        _ => 1,
    };

    private int Target(int n, Label? label, int[] positions, bool[] farTrue, bool[] farFalse) =>
        label is { } l ? positions[_labelNodes[l.Id]] : positions[n] + Size(n, farTrue, farFalse);

    private static byte Short(int offset) => offset is >= 0 and <= byte.MaxValue
        ? (byte)offset
        : throw new InvalidOperationException($"BPF jump offset {offset} out of range");

    private static uint Forward(int offset) => offset >= 0
        ? (uint)offset
        : throw new InvalidOperationException("BPF jumps must go forward");

    private enum NodeKind { Mark, Statement, Conditional, Always }

    private readonly record struct Node(NodeKind Kind, ushort Code, uint K, Label? WhenTrue, Label? WhenFalse);
}
