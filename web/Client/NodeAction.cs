namespace Platform.Web.Client;

/// <summary>What an admin may ask of a node: <c>POST /v1/nodes/{node}/cordon|uncordon|drain</c>.</summary>
public enum NodeAction
{
    /// <summary>Keeps its instances, gets no new ones.</summary>
    Cordon,
    Uncordon,
    /// <summary>Cordons it and has the scheduler move its instances elsewhere.</summary>
    Drain,
}
