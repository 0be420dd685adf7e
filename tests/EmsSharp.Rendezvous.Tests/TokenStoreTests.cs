using EmsSharp.Rendezvous.Rooms;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>What a cluster node does to its copy of the tokens (ClusterTokenStore): replace it, record a binding Redis made.</summary>
public class TokenStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 21, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Replace_swaps_every_list_and_keeps_the_latches_of_the_new_state()
    {
        TokenStore store = new(new AdminState { AllowedRooms = ["a"], Tokens = [new("old", null, null)] });
        store.Replace(new AdminState
        {
            RoomsRestricted = true,
            EmsTokenRequired = true,
            Tokens = [new("new", "peer", Now)],
        });

        Assert.False(store.IsRoomAllowed("a")); // restricted, and the list is now empty
        Assert.False(store.CheckEmsToken(null, "a"));
        Assert.False(store.CheckViewerToken("old", "peer", consume: false, Now));
        Assert.True(store.CheckViewerToken("new", "peer", consume: false, Now));
        Assert.False(store.CheckViewerToken("new", "other", consume: false, Now));
    }

    [Fact]
    public void RecordUse_binds_a_known_token_from_its_first_use_and_saves_only_a_new_binding()
    {
        int saves = 0;
        TokenStore store = new(new AdminState { Tokens = [new("t", null, null)] }, () => saves++);

        Assert.False(store.RecordUse("unknown", "peer", Now));
        Assert.True(store.RecordUse("t", "peer", Now));
        Assert.True(store.RecordUse("t", "peer", Now));
        Assert.Equal(1, saves);

        Assert.False(store.CheckViewerToken("t", "other", consume: true, Now));
        Assert.True(store.CheckViewerToken("t", "peer", consume: true, Now + TokenStore.ViewerTokenLifetime - TimeSpan.FromSeconds(1)));
        Assert.False(store.CheckViewerToken("t", "peer", consume: true, Now + TokenStore.ViewerTokenLifetime));
    }
}
