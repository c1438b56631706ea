namespace Platform.Runtime.Seccomp;

/// <summary>The spec's argument comparison operators (SCMP_CMP_*).</summary>
internal enum SeccompOperator
{
    Ne,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    MaskedEq,
}
