namespace EmsSharp.Rendezvous.Rooms;

/// <summary>One row of <c>listRooms</c>.</summary>
internal readonly record struct RoomInfo(string Name, bool Ems, int Browsers, bool Allowed);
