namespace EmsSharp.Rendezvous.Rooms;

/// <summary>One row of <c>listRooms</c>: with <c>server.multiEmsRooms</c> its EMS members are listed too.</summary>
internal readonly record struct RoomInfo(string Name, bool Ems, int Browsers, bool Allowed, List<RoomEmsInfo> Emss);

/// <summary>An EMS member of a room as <c>listRooms</c> shows it: the browsers handed to it and its last load report.</summary>
internal readonly record struct RoomEmsInfo(string Id, int Handed, EmsLoad? Load);
